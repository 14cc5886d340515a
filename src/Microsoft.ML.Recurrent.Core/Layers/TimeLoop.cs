using Microsoft.ML.Recurrent.Data;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// What a cell does at one step for the rows still running, the only part of a time loop that differs by cell
/// (<see cref="LstmCell"/>, <see cref="GruResetAfterCell"/>, <see cref="GruResetBeforeCell"/>, <see cref="RnnCell"/>).
/// The gates of step t arrive holding the input projection and biases (<see cref="RecurrentLayer.Forward"/>).
/// </summary>
internal interface IRecurrentCell
{
    /// <summary>
    /// Step t for rows [0, n) (n may be 0): adds the recurrent product, runs the fused kernel, writes h (and any other
    /// state) in slot <paramref name="cur"/> from slot <paramref name="prev"/>. Rows [n, B) of h are the loop's; the
    /// cell holds its other state for them.
    /// </summary>
    void Forward(int t, int n, int prev, int cur);

    /// <summary>
    /// Backward of step t for rows [0, n) (n may be 0): dh [B, H] = dL/dh_t in; writes dGates(t) and dhPrev rows [0, n)
    /// (the loop has already passed dh through to dhPrev for rows [n, B)) and carries any other recurrent gradient.
    /// </summary>
    void Backward(int t, int n, int prev, int cur, Span<float> dh, Span<float> dhPrev);
}

/// <summary>
/// The time loop of one direction of one layer, written once for every cell: the order of steps (reversed for the
/// reverse direction, and again for backward), the active rows of each step, holding the state of finished rows,
/// emitting outputs, and routing the output gradient into dh. A generic over the cell struct, so each cell's calls
/// are direct and inlinable.
/// </summary>
internal static class TimeLoop
{
    /// <summary>
    /// y [T, B, D]: this direction writes columns [yOffset, yOffset + H) of every step; empty when nothing reads the
    /// outputs (the top layer under "last" pooling, which reads the final states).
    /// </summary>
    public static void Forward<TCell>(ref TCell cell, DirectionBuffers buf, Span<float> y, int yOffset, int hidden, int width, in SequenceShard s, bool reverse)
        where TCell : IRecurrentCell, allows ref struct
    {
        int B = s.Batch, H = hidden;
        for (int step = 0; step < s.Steps; step++)
        {
            int t = s.Time(step, reverse), n = s.Active[t];
            var (prev, cur) = SequenceShard.Slots(t, reverse);
            cell.Forward(t, n, prev, cur);
            Span<float> hCur = buf.Hs.AsSpan(cur * B * H, B * H);
            s.HoldInactive(hCur, buf.Hs.AsSpan(prev * B * H, B * H), n, H);
            if (!y.IsEmpty) s.EmitOutput(y, hCur, t, n, H, width, yOffset);
        }
    }

    /// <summary>
    /// Walks the steps in the opposite order of <see cref="Forward"/>. dy [T, B, D] (may be empty); buf.Dh holds the
    /// gradient of the final state on entry. Leaves dGates of every step (zero for inactive rows) in buf.DGates.
    /// </summary>
    public static void Backward<TCell>(ref TCell cell, DirectionBuffers buf, ReadOnlySpan<float> dy, int yOffset, int hidden, int width, int gateWidth,
        in SequenceShard s, bool reverse) where TCell : IRecurrentCell, allows ref struct
    {
        int B = s.Batch, H = hidden;
        Span<float> dh = buf.Dh.AsSpan(0, B * H), dhPrev = buf.DhPrev.AsSpan(0, B * H);
        for (int step = s.Steps - 1; step >= 0; step--)
        {
            int t = s.Time(step, reverse), n = s.Active[t];
            var (prev, cur) = SequenceShard.Slots(t, reverse);
            s.AddOutputGradient(dh, dy, t, n, H, width, yOffset);
            // Rows that did not run at t held their state, so their state gradient passes straight through.
            s.HoldInactive(dhPrev, dh, n, H);
            cell.Backward(t, n, prev, cur, dh, dhPrev);
            s.ClearInactive(buf.DGates.AsSpan(t * B * gateWidth, B * gateWidth), n, gateWidth);
            Span<float> swap = dh; dh = dhPrev; dhPrev = swap;
        }
    }
}
