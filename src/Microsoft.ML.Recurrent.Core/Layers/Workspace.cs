namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The one growth rule of every scratch buffer: grow to exactly the size asked for, never shrink, so after the largest
/// shape has been seen nothing allocates. (Sgemm's packing panels are the one other owner: per-thread statics, since
/// any thread may call it.)
/// </summary>
internal static class Buffers
{
    public static void Grow<T>(ref T[] buffer, long length)
    {
        if (length > Array.MaxLength) throw new InvalidOperationException($"A batch buffer of {length} elements exceeds the largest array .NET allows; use smaller batches or shorter sequences.");
        if (buffer.Length < length) buffer = new T[length];
    }
}

/// <summary>
/// Everything one forward (and backward) pass over one shard writes: activations, their gradients and the head's
/// buffers. One owner at a time (a training work item, a validation worker or a predicting thread); no parameter
/// gradients here: those belong to the training step's work items, so a predicting thread's workspace holds
/// activations only.
/// </summary>
internal sealed class Workspace
{
    public readonly float[][] X;          // [L+1] layer inputs [T, B, I_l]; X[L] is the top output [T, B, D] (empty under "last" pooling)
    public readonly float[][] DX;         // [L+1] their gradients
    public readonly float[][] DropMask;   // [L] masks for X[1..L-1]
    public readonly DirectionBuffers[] Directions;   // [layer * directions + direction]
    public float[] Pooled = [], DPooled = [], Logits = [], DLogits = [], Probabilities = [];   // [B, D], [B, D], [B, C'], [B, C'], [B, C]
    public int[] ArgMax = [];             // [B, D] max pooling's winning step

    private readonly bool _keepTopOutputs;

    /// <param name="a">The network's shape.</param>
    /// <param name="keepTopOutputs">Write the top layer's per-step outputs even under "last" pooling, which does not
    /// read them (for tests that compare every step with a reference).</param>
    public Workspace(RecurrentArchitecture a, bool keepTopOutputs = false)
    {
        _keepTopOutputs = keepTopOutputs;
        X = new float[a.NumberOfLayers + 1][];
        DX = new float[a.NumberOfLayers + 1][];
        DropMask = new float[a.NumberOfLayers][];
        for (int i = 0; i <= a.NumberOfLayers; i++) { X[i] = []; DX[i] = []; }
        for (int i = 0; i < a.NumberOfLayers; i++) DropMask[i] = [];
        Directions = new DirectionBuffers[a.NumberOfLayers * a.Directions];
        for (int i = 0; i < Directions.Length; i++) Directions[i] = new DirectionBuffers();
    }

    /// <summary>True when pooling reads the top layer's outputs y [T, B, D] (mean and max); "last" reads the final states.</summary>
    public static bool TopOutputRead(RecurrentArchitecture a) => a.Pooling != SequencePooling.Last;

    public void Ensure(RecurrentArchitecture a, int batch, int steps, bool training)
    {
        long tb = (long)steps * batch;
        for (int l = 0; l <= a.NumberOfLayers; l++)
        {
            // Under "last" pooling nothing reads the top layer's outputs (pooling reads the final states) or their
            // gradients: X[L] and DX[L] stay empty, which tells the time loop not to copy every step's h there (for
            // the text LSTM, 1.6 MB a 16-row item it would write and carry through the caches for nothing).
            if (l == a.NumberOfLayers && !_keepTopOutputs && !TopOutputRead(a)) continue;
            int width = l == 0 ? a.InputSize : a.OutputSize;
            Buffers.Grow(ref X[l], tb * width);
            if (training) Buffers.Grow(ref DX[l], tb * width);
            if (training && l > 0 && l < a.NumberOfLayers && a.Dropout > 0) Buffers.Grow(ref DropMask[l], tb * width);
        }
        foreach (var d in Directions) d.Ensure(a, batch, steps, training);
        Buffers.Grow(ref Pooled, (long)batch * a.OutputSize);
        Buffers.Grow(ref Logits, (long)batch * a.LogitCount);
        Buffers.Grow(ref Probabilities, (long)batch * a.NumberOfClasses);
        Buffers.Grow(ref ArgMax, (long)batch * a.OutputSize);
        if (!training) return;
        Buffers.Grow(ref DPooled, (long)batch * a.OutputSize);
        Buffers.Grow(ref DLogits, (long)batch * a.LogitCount);
    }
}

/// <summary>
/// Activations and gradient scratch of one direction of one recurrent layer over one shard of B rows and T steps.
/// States live in T+1 slots (<see cref="Data.SequenceShard.Slots"/>).
/// </summary>
internal sealed class DirectionBuffers
{
    public float[] Gates = [];    // [T, B, G*H] pre-activations in, activations out (time-major, by real time t)
    public float[] Hs = [];       // [T+1, B, H] hidden states by slot
    public float[] Cs = [];       // [T+1, B, H] LSTM cell states by slot
    public float[] TanhC = [];    // [T, B, H] LSTM tanh(c_t)
    public float[] Hn = [];       // [T, B, H] GRU reset-after: W_hn h + b_hn (the product the reset gate scales)
    public float[] ResetH = [];   // [T, B, H] GRU reset-before: r∘h (the input of the W_hn product)
    public float[] Bias = [];     // [G*H] combined bias added after the input projection
    public float[] Step = [];     // [B, G*H] per-step GEMM scratch (GRU reset-after: the hidden projection; reset-before backward: d(r∘h))
    public float[] DGates = [];   // [T, B, G*H] dL/d pre-activation (input side); the LSTM's is Gates itself (see Ensure)
    public float[] DGatesH = [];  // [T, B, G*H] GRU reset-after: dL/d hidden-side pre-activation (n part scaled by r)
    public float[] Dh = [], DhPrev = [], Dc = [], DcPrev = [];  // [B, H] recurrent gradients
    public float[] Ys = [];       // Jordan: [T+1, B, R] outputs y by slot (what the next step reads)
    public float[] DyRec = [], DyRecPrev = [];  // Jordan: [B, R] gradient reaching y through the next step's recurrence

    public void Ensure(RecurrentArchitecture a, int batch, int steps, bool training)
    {
        int h = a.HiddenSize, gh = a.GateCount * h;
        long tbh = (long)steps * batch * h, tbg = (long)steps * batch * gh;
        bool gru = a.Cell == RecurrentCellType.Gru, after = a.GruReset == GruResetMode.AfterRecurrentProduct;
        Buffers.Grow(ref Gates, tbg);
        Buffers.Grow(ref Hs, (long)(steps + 1) * batch * h);
        Buffers.Grow(ref Bias, gh);
        Buffers.Grow(ref Step, (long)batch * gh);
        if (a.Cell == RecurrentCellType.Lstm)
        {
            Buffers.Grow(ref Cs, (long)(steps + 1) * batch * h);
            Buffers.Grow(ref TanhC, tbh);
        }
        if (gru && after) Buffers.Grow(ref Hn, tbh);
        if (gru && !after) Buffers.Grow(ref ResetH, tbh);
        bool jordan = a.Recurrence == RnnRecurrence.Jordan;
        if (jordan) Buffers.Grow(ref Ys, (long)(steps + 1) * batch * a.RecurrentSize);
        if (!training) return;
        if (jordan)
        {
            Buffers.Grow(ref DyRec, (long)batch * a.RecurrentSize);
            Buffers.Grow(ref DyRecPrev, (long)batch * a.RecurrentSize);
        }
        // The LSTM's backward reads a step's activations once, in the kernel that writes that step's gate gradients,
        // so the gradients overwrite them: 4H·T·B fewer floats (6.5 MB for T = 200, B = 16, H = 128), and the kernel
        // writes lines it has just read instead of fetching fresh ones.
        if (a.Cell == RecurrentCellType.Lstm) DGates = Gates;
        else Buffers.Grow(ref DGates, tbg);
        Buffers.Grow(ref Dh, (long)batch * h);
        Buffers.Grow(ref DhPrev, (long)batch * h);
        if (a.Cell == RecurrentCellType.Lstm)
        {
            Buffers.Grow(ref Dc, (long)batch * h);
            Buffers.Grow(ref DcPrev, (long)batch * h);
        }
        if (gru && after) Buffers.Grow(ref DGatesH, tbg);
    }
}
