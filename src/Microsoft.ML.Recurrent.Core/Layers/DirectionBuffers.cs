namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Activations and gradient scratch of one direction of one recurrent layer, for one batch shard of B rows and T steps.
/// Sized once per batch shape (grown, never shrunk) so the time-step loops allocate nothing.
/// States live in T+1 slots: the forward direction reads slot t and writes slot t+1; the reverse direction reads
/// slot t+1 and writes slot t. Either way the T "previous" states are contiguous, so the W_hh gradient is one GEMM.
/// </summary>
internal sealed class DirectionBuffers
{
    public float[] Gates = [];    // [T, B, G*H] pre-activations in, activations out (time-major, by real time t)
    public float[] DGates = [];   // [T, B, G*H] dL/d pre-activation (input side)
    public float[] DGatesH = [];  // [T, B, G*H] GRU reset-after: dL/d hidden-side pre-activation (n part scaled by r)
    public float[] Hs = [];       // [T+1, B, H] hidden states by slot
    public float[] Cs = [];       // [T+1, B, H] LSTM cell states by slot
    public float[] TanhC = [];    // [T, B, H] LSTM tanh(c_t)
    public float[] Aux = [];      // [T, B, H] GRU: W_hn h + b_hn (reset-after) or r∘h (reset-before)
    public float[] Bias = [];     // [G*H] combined bias added after the input projection
    public float[] Dh = [], DhPrev = [], Dc = [], DcPrev = [];  // [B, H] recurrent gradients
    public float[] Step = [];     // [B, G*H] per-step GEMM scratch
    public float[] Ys = [];       // Jordan: [T+1, B, R] outputs y by slot (the recurrent input)
    public float[] DyRec = [], DyRecPrev = [];  // Jordan: [B, R] gradient reaching y through the next step's recurrence

    public void Ensure(RecurrentArchitecture a, int batch, int steps)
    {
        int h = a.HiddenSize, gh = a.GateCount * h;
        Grow(ref Gates, (long)steps * batch * gh);
        Grow(ref DGates, (long)steps * batch * gh);
        Grow(ref Hs, (long)(steps + 1) * batch * h);
        Grow(ref Bias, gh);
        Grow(ref Dh, (long)batch * h);
        Grow(ref DhPrev, (long)batch * h);
        Grow(ref Step, (long)batch * gh);
        if (a.Cell == RecurrentCellType.Lstm)
        {
            Grow(ref Cs, (long)(steps + 1) * batch * h);
            Grow(ref TanhC, (long)steps * batch * h);
            Grow(ref Dc, (long)batch * h);
            Grow(ref DcPrev, (long)batch * h);
        }
        if (a.Recurrence == RnnRecurrence.Jordan)
        {
            int r = a.RecurrentSize;
            Grow(ref Ys, (long)(steps + 1) * batch * r);
            Grow(ref DyRec, (long)batch * r);
            Grow(ref DyRecPrev, (long)batch * r);
        }
        if (a.Cell == RecurrentCellType.Gru)
        {
            Grow(ref Aux, (long)steps * batch * h);
            if (a.GruReset == GruResetMode.AfterRecurrentProduct) Grow(ref DGatesH, (long)steps * batch * gh);
        }
    }

    internal static void Grow(ref float[] buffer, long length)
    {
        if (length > Array.MaxLength) throw new InvalidOperationException($"A batch buffer of {length} floats exceeds the largest array .NET allows; use smaller batches or shorter sequences.");
        if (buffer.Length < length) buffer = new float[length];
    }
}
