using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>Weights of one direction of one layer, PyTorch layout, plus the transposed recurrent matrix used by the step GEMM.</summary>
internal readonly ref struct DirectionWeights
{
    public readonly ReadOnlySpan<float> Wih;   // [G*H, I]
    public readonly ReadOnlySpan<float> Whh;   // [G*H, H]
    public readonly ReadOnlySpan<float> WhhT;  // [H, G*H] (derived, refreshed after every optimizer step)
    public readonly ReadOnlySpan<float> WhhTPanels;  // the same matrix in column panels [⌈G*H/256⌉][H, ≤256] (derived) for one-row steps
    public readonly ReadOnlySpan<float> Bih;   // [G*H]
    public readonly ReadOnlySpan<float> Bhh;   // [G*H]
    public readonly ReadOnlySpan<float> Peep;  // [3H] or empty
    public readonly ReadOnlySpan<float> Wyh, Byh;  // Jordan: [R, H], [R]; else empty. (Jordan's Whh is W_hy [H, R], Bhh b_hy.)

    public DirectionWeights(ReadOnlySpan<float> p, in DirectionOffsets o, int gh, int hidden, ReadOnlySpan<float> whhT, ReadOnlySpan<float> whhTPanels = default)
    {
        Wih = p.Slice(o.WeightIh, gh * o.InputSize);
        Whh = p.Slice(o.WeightHh, gh * o.RecurrentSize);
        Wyh = o.WeightYh >= 0 ? p.Slice(o.WeightYh, o.RecurrentSize * hidden) : default;
        Byh = o.BiasYh >= 0 ? p.Slice(o.BiasYh, o.RecurrentSize) : default;
        Bih = p.Slice(o.BiasIh, gh);
        Bhh = p.Slice(o.BiasHh, gh);
        Peep = o.Peephole >= 0 ? p.Slice(o.Peephole, 3 * hidden) : default;
        WhhT = whhT;
        WhhTPanels = whhTPanels;
    }
}

/// <summary>Gradient slices of one direction of one layer (same layout as <see cref="DirectionWeights"/>).</summary>
internal readonly ref struct DirectionGradients
{
    public readonly Span<float> Wih, Whh, Bih, Bhh, Peep, Wyh, Byh;

    public DirectionGradients(Span<float> g, in DirectionOffsets o, int gh, int hidden)
    {
        Wih = g.Slice(o.WeightIh, gh * o.InputSize);
        Whh = g.Slice(o.WeightHh, gh * o.RecurrentSize);
        Wyh = o.WeightYh >= 0 ? g.Slice(o.WeightYh, o.RecurrentSize * hidden) : default;
        Byh = o.BiasYh >= 0 ? g.Slice(o.BiasYh, o.RecurrentSize) : default;
        Bih = g.Slice(o.BiasIh, gh);
        Bhh = g.Slice(o.BiasHh, gh);
        Peep = o.Peephole >= 0 ? g.Slice(o.Peephole, 3 * hidden) : default;
    }
}

/// <summary>
/// One direction of one recurrent layer over a whole shard: the parts shared by every cell (input projection of all
/// steps as one GEMM, weight gradients as GEMMs over all steps) and dispatch to the cell's step loop.
/// Layout: x [T, B, I], y [T, B, D] with this direction writing columns [yOffset, yOffset + H).
/// </summary>
internal static class RecurrentLayer
{
    public static void Forward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf, ReadOnlySpan<float> x, int inputSize,
        Span<float> y, int yOffset, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, gh = a.GateCount * H, rows = T * B;
        Span<float> gates = buf.Gates.AsSpan(0, rows * gh);
        // Input projection of every step at once: gates[T*B, GH] = x[T*B, I] · W_ih^T.
        Sgemm.Multiply(false, true, rows, gh, inputSize, x, inputSize, w.Wih, inputSize, gates, gh, accumulate: false);
        // Biases: both are added here, except GRU reset-after's b_hn, which must sit inside r∘(W_hn h + b_hn).
        Span<float> bias = buf.Bias.AsSpan(0, gh);
        TensorPrimitives.Add(w.Bih, w.Bhh, bias);
        if (a.Cell == RecurrentCellType.Gru && a.GruReset == GruResetMode.AfterRecurrentProduct)
            w.Bih.Slice(2 * H, H).CopyTo(bias.Slice(2 * H, H));
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = gates.Slice(r * gh, gh);
            TensorPrimitives.Add(row, bias, row);
        }
        // Initial state h0 = c0 = 0 in the slot this direction reads first.
        int first = reverse ? T : 0;
        buf.Hs.AsSpan(first * B * H, B * H).Clear();
        if (a.Cell == RecurrentCellType.Lstm) buf.Cs.AsSpan(first * B * H, B * H).Clear();
        bool jordan = a.Recurrence == RnnRecurrence.Jordan;
        if (jordan) buf.Ys.AsSpan(first * B * a.RecurrentSize, B * a.RecurrentSize).Clear();

        switch (a.Cell)
        {
            case RecurrentCellType.Lstm: LstmLayer.Forward(a, w, buf, y, yOffset, s, reverse); break;
            case RecurrentCellType.Gru: GruLayer.Forward(a, w, buf, y, yOffset, s, reverse); break;
            case RecurrentCellType.Rnn when jordan: JordanLayer.Forward(a, w, buf, y, yOffset, s, reverse); break;
            default: RnnLayer.Forward(a, w, buf, y, yOffset, s, reverse); break;
        }
    }

    /// <summary>
    /// Backward of one direction. dy [T, B, D] (may be empty when only <paramref name="dhFinal"/> carries gradient);
    /// dhFinal [B, D] (may be empty) is dL/d(final state) at columns [yOffset, yOffset+H) ("last" pooling).
    /// Accumulates parameter gradients; writes (or, with <paramref name="accumulateDx"/>, adds) dx [T, B, I] unless empty.
    /// </summary>
    public static void Backward(RecurrentArchitecture a, in DirectionWeights w, in DirectionGradients g, DirectionBuffers buf,
        ReadOnlySpan<float> x, int inputSize, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhFinal, int yOffset,
        Span<float> dx, bool accumulateDx, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, D = a.OutputSize, gh = a.GateCount * H, rows = T * B;
        Span<float> dh = buf.Dh.AsSpan(0, B * H);
        if (dhFinal.IsEmpty) dh.Clear();
        else for (int b = 0; b < B; b++) dhFinal.Slice(b * D + yOffset, H).CopyTo(dh.Slice(b * H, H));

        switch (a.Cell)
        {
            case RecurrentCellType.Lstm: LstmLayer.Backward(a, w, g, buf, dy, yOffset, s, reverse); break;
            case RecurrentCellType.Gru: GruLayer.Backward(a, w, g, buf, dy, yOffset, s, reverse); break;
            case RecurrentCellType.Rnn when a.Recurrence == RnnRecurrence.Jordan: JordanLayer.Backward(a, w, g, buf, dy, yOffset, s, reverse); break;
            default: RnnLayer.Backward(a, w, buf, dy, yOffset, s, reverse); break;
        }

        ReadOnlySpan<float> dGates = buf.DGates.AsSpan(0, rows * gh);
        bool gruAfter = a.Cell == RecurrentCellType.Gru && a.GruReset == GruResetMode.AfterRecurrentProduct;
        bool gruBefore = a.Cell == RecurrentCellType.Gru && !gruAfter;
        ReadOnlySpan<float> dGatesH = gruAfter ? buf.DGatesH.AsSpan(0, rows * gh) : dGates;
        ReadOnlySpan<float> hPrevAll = buf.Hs.AsSpan((reverse ? 1 : 0) * B * H, rows * H);  // [T*B, H] state each step read
        // dW_ih[GH, I] += dG^T · x over all T*B rows.
        Sgemm.Multiply(true, false, gh, inputSize, rows, dGates, gh, x, inputSize, g.Wih, inputSize, accumulate: true);
        if (gruBefore)
        {
            // r and z rows see h; n rows see r∘h (kept in Aux).
            Sgemm.Multiply(true, false, 2 * H, H, rows, dGates, gh, hPrevAll, H, g.Whh, H, accumulate: true);
            Sgemm.Multiply(true, false, H, H, rows, dGates[(2 * H)..], gh, buf.Aux.AsSpan(0, rows * H), H, g.Whh[(2 * H * H)..], H, accumulate: true);
        }
        else if (a.Recurrence == RnnRecurrence.Jordan)
        {
            // Jordan: dW_hy[H, R] += dA^T · y_{t-1} over all rows, the outputs each step read.
            int R = a.RecurrentSize;
            Sgemm.Multiply(true, false, gh, R, rows, dGates, gh, buf.Ys.AsSpan((reverse ? 1 : 0) * B * R, rows * R), R, g.Whh, R, accumulate: true);
        }
        else
        {
            Sgemm.Multiply(true, false, gh, H, rows, dGatesH, gh, hPrevAll, H, g.Whh, H, accumulate: true);
        }
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(g.Bih, dGates.Slice(r * gh, gh), g.Bih);
            TensorPrimitives.Add(g.Bhh, dGatesH.Slice(r * gh, gh), g.Bhh);
        }
        // dx[T*B, I] (+)= dG · W_ih.
        if (!dx.IsEmpty)
            Sgemm.Multiply(false, false, rows, inputSize, gh, dGates, gh, w.Wih, inputSize, dx, inputSize, accumulateDx);
    }

    /// <summary>Width of the column panels of <see cref="DirectionWeights.WhhTPanels"/>.</summary>
    public const int PanelWidth = 256;

    /// <summary>
    /// out[n, 0..cols) (+)= h[n, H] · W_hhᵀ[H, colStart..colStart+cols), the recurrent product of one step.
    /// Several rows read the row-major W_hhᵀ in place (the GEMM reuses each B row across 8 rows of A). A single row
    /// (batch-1 inference, the last rows of a ragged batch) is a GEMV that loads every weight once and is bound by
    /// those loads; streaming contiguous [H, 256] panels instead of 1 KB pieces of 2 KB rows makes it ~1.4× faster.
    /// Both paths give each output the same FMA chain over h in order, so the results are bit-identical.
    /// </summary>
    public static void HiddenProduct(int n, int colStart, int cols, ReadOnlySpan<float> h, in DirectionWeights w, int gh, int hidden,
        Span<float> output, int ldc, bool accumulate)
    {
        if (n != 1 || w.WhhTPanels.IsEmpty)
        {
            Sgemm.Multiply(false, false, n, cols, hidden, h, hidden, w.WhhT[colStart..], gh, output, ldc, accumulate);
            return;
        }
        int end = colStart + cols;
        for (int q = colStart / PanelWidth * PanelWidth; q < end; q += PanelWidth)
        {
            int width = Math.Min(PanelWidth, gh - q);          // panel [H, width] at offset q*H
            int lo = Math.Max(colStart, q), hi = Math.Min(end, q + width);
            Sgemm.Multiply(false, false, 1, hi - lo, hidden, h, hidden, w.WhhTPanels.Slice(q * hidden + (lo - q)), width,
                output[(lo - colStart)..], ldc, accumulate);
        }
    }

    /// <summary>Slot the step at time t reads its previous state from, and the slot it writes.</summary>
    public static (int Prev, int Cur) Slots(int t, bool reverse) => reverse ? (t + 1, t) : (t, t + 1);

    /// <summary>Rows that finished (or, in reverse, have not started) keep their state and emit zeros.</summary>
    public static void HoldInactive(Span<float> cur, ReadOnlySpan<float> prev, int active, int batch, int hidden)
        => prev.Slice(active * hidden, (batch - active) * hidden).CopyTo(cur.Slice(active * hidden));

    /// <summary>Writes the active rows' new states into the output sequence at time t and zeros the padded rows.</summary>
    public static void EmitOutput(Span<float> y, ReadOnlySpan<float> h, int t, int active, int batch, int hidden, int width, int offset)
    {
        for (int b = 0; b < batch; b++)
        {
            Span<float> dst = y.Slice((t * batch + b) * width + offset, hidden);
            if (b < active) h.Slice(b * hidden, hidden).CopyTo(dst);
            else dst.Clear();
        }
    }

    /// <summary>dh[b] += dy[t, b, offset..offset+H) for the active rows.</summary>
    public static void AddOutputGradient(Span<float> dh, ReadOnlySpan<float> dy, int t, int active, int batch, int hidden, int width, int offset)
    {
        if (dy.IsEmpty) return;
        for (int b = 0; b < active; b++)
        {
            Span<float> row = dh.Slice(b * hidden, hidden);
            TensorPrimitives.Add(row, dy.Slice((t * batch + b) * width + offset, hidden), row);
        }
    }

    /// <summary>Inactive rows get no gate gradient (their state was held, so the state gradient passes through: <see cref="HoldInactive"/>).</summary>
    public static void ClearInactive(Span<float> dGatesStep, int gh, int active, int batch)
        => dGatesStep.Slice(active * gh, (batch - active) * gh).Clear();
}
