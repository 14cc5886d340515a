using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Model;

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
    public readonly QuantizedRecurrentWeights? Int8;   // W_hh in int8 (InferencePrecision.Int8 predictors only; null otherwise)
    public readonly ReadOnlySpan<float> WihT;  // [I, G*H] (Int8 predictors only; else empty): the input projection reads it in place, unpacked

    public DirectionWeights(ReadOnlySpan<float> p, in DirectionOffsets o, int gh, int hidden, ReadOnlySpan<float> whhT, ReadOnlySpan<float> whhTPanels = default,
        QuantizedRecurrentWeights? int8 = null, ReadOnlySpan<float> wihT = default)
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
        Int8 = int8;
        WihT = wihT;
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
/// One direction of one recurrent layer over a whole shard: the parts shared by every cell (the input projection of
/// all steps as one GEMM, the weight gradients as GEMMs over all steps, the per-step recurrent product) and dispatch
/// of the <see cref="TimeLoop"/> to the cell. Layout: x [T, B, I], y [T, B, D] with this direction writing columns
/// [yOffset, yOffset + H).
/// </summary>
internal static class RecurrentLayer
{
    public static void Forward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf, ReadOnlySpan<float> x, int inputSize,
        Span<float> y, int yOffset, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, gh = a.GateCount * H, rows = T * B;
        Span<float> gates = buf.Gates.AsSpan(0, rows * gh);
        // Biases: both are added here, except GRU reset-after's b_hn, which must sit inside r∘(W_hn h + b_hn).
        Span<float> bias = buf.Bias.AsSpan(0, gh);
        TensorPrimitives.Add(w.Bih, w.Bhh, bias);
        if (a.Cell == RecurrentCellType.Gru && a.GruReset == GruResetMode.AfterRecurrentProduct)
            w.Bih.Slice(2 * H, H).CopyTo(bias.Slice(2 * H, H));
        // Input projection of every step at once: gates[T*B, GH] = x[T*B, I] · W_ih^T, then + bias on every row (added
        // tile by tile inside the GEMM, while each tile is in cache). An int8 predictor keeps W_ihᵀ, which SGEMM reads in
        // place for fewer than 256 rows instead of transposing W_ih into a panel every call.
        if (w.WihT.IsEmpty) Sgemm.Multiply(false, true, rows, gh, inputSize, x, inputSize, w.Wih, inputSize, gates, gh, accumulate: false, rowBias: bias);
        else Sgemm.Multiply(false, false, rows, gh, inputSize, x, inputSize, w.WihT, gh, gates, gh, accumulate: false, rowBias: bias);
        // Initial state h0 = c0 = 0 in the slot this direction reads first.
        int first = reverse ? T : 0;
        buf.Hs.AsSpan(first * B * H, B * H).Clear();
        if (a.Cell == RecurrentCellType.Lstm) buf.Cs.AsSpan(first * B * H, B * H).Clear();
        bool jordan = a.Recurrence == RnnRecurrence.Jordan;
        if (jordan) buf.Ys.AsSpan(first * B * a.RecurrentSize, B * a.RecurrentSize).Clear();

        int D = a.OutputSize;
        switch (a.Cell)
        {
            case RecurrentCellType.Lstm:
                var lstm = new LstmCell(w, default, buf, B, H);
                TimeLoop.Forward(ref lstm, buf, y, yOffset, H, D, s, reverse);
                break;
            case RecurrentCellType.Gru when a.GruReset == GruResetMode.AfterRecurrentProduct:
                var after = new GruResetAfterCell(w, buf, B, H);
                TimeLoop.Forward(ref after, buf, y, yOffset, H, D, s, reverse);
                break;
            case RecurrentCellType.Gru:
                var before = new GruResetBeforeCell(w, buf, B, H);
                TimeLoop.Forward(ref before, buf, y, yOffset, H, D, s, reverse);
                break;
            case RecurrentCellType.Rnn when jordan:
                var jordanCell = new JordanCell(w, default, buf, B, H, a.RecurrentSize, a.RnnActivation == RnnActivation.Relu);
                TimeLoop.Forward(ref jordanCell, buf, y, yOffset, H, D, s, reverse);
                break;
            default:
                var rnn = new RnnCell(w, buf, B, H, a.RnnActivation == RnnActivation.Relu);
                TimeLoop.Forward(ref rnn, buf, y, yOffset, H, D, s, reverse);
                break;
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
        // The recurrent gradients entering the last step: dL/dh_T from "last" pooling (else 0), dL/dc_T = 0.
        Span<float> dh = buf.Dh.AsSpan(0, B * H);
        if (dhFinal.IsEmpty) dh.Clear();
        else for (int b = 0; b < B; b++) dhFinal.Slice(b * D + yOffset, H).CopyTo(dh.Slice(b * H, H));
        if (a.Cell == RecurrentCellType.Lstm) buf.Dc.AsSpan(0, B * H).Clear();
        bool jordan = a.Recurrence == RnnRecurrence.Jordan;
        if (jordan) buf.DyRec.AsSpan(0, B * a.RecurrentSize).Clear();   // nothing reads the last step's y

        switch (a.Cell)
        {
            case RecurrentCellType.Lstm:
                var lstm = new LstmCell(w, g, buf, B, H);
                TimeLoop.Backward(ref lstm, buf, dy, yOffset, H, D, gh, s, reverse);
                break;
            case RecurrentCellType.Gru when a.GruReset == GruResetMode.AfterRecurrentProduct:
                var after = new GruResetAfterCell(w, buf, B, H);
                TimeLoop.Backward(ref after, buf, dy, yOffset, H, D, gh, s, reverse);
                break;
            case RecurrentCellType.Gru:
                var before = new GruResetBeforeCell(w, buf, B, H);
                TimeLoop.Backward(ref before, buf, dy, yOffset, H, D, gh, s, reverse);
                break;
            case RecurrentCellType.Rnn when jordan:
                var jordanCell = new JordanCell(w, g, buf, B, H, a.RecurrentSize, a.RnnActivation == RnnActivation.Relu);
                TimeLoop.Backward(ref jordanCell, buf, dy, yOffset, H, D, gh, s, reverse);
                break;
            default:
                var rnn = new RnnCell(w, buf, B, H, a.RnnActivation == RnnActivation.Relu);
                TimeLoop.Backward(ref rnn, buf, dy, yOffset, H, D, gh, s, reverse);
                break;
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
            // r and z rows see h; n rows see r∘h.
            Sgemm.Multiply(true, false, 2 * H, H, rows, dGates, gh, hPrevAll, H, g.Whh, H, accumulate: true);
            Sgemm.Multiply(true, false, H, H, rows, dGates[(2 * H)..], gh, buf.ResetH.AsSpan(0, rows * H), H, g.Whh[(2 * H * H)..], H, accumulate: true);
        }
        else if (jordan)
        {
            // Jordan: dW_hy[H, R] += dA^T · y_{t-1} over all rows, the outputs each step read.
            int R = a.RecurrentSize;
            Sgemm.Multiply(true, false, gh, R, rows, dGates, gh, buf.Ys.AsSpan((reverse ? 1 : 0) * B * R, rows * R), R, g.Whh, R, accumulate: true);
        }
        else
        {
            Sgemm.Multiply(true, false, gh, H, rows, dGatesH, gh, hPrevAll, H, g.Whh, H, accumulate: true);
        }
        if (gruAfter)
        {
            for (int r = 0; r < rows; r++)
            {
                TensorPrimitives.Add(g.Bih, dGates.Slice(r * gh, gh), g.Bih);
                TensorPrimitives.Add(g.Bhh, dGatesH.Slice(r * gh, gh), g.Bhh);
            }
        }
        else
        {
            // Both biases see the same rows: one pass sums them (row order, from zero, in the forward's bias scratch,
            // free now), then each bias adds the sum. Into a zeroed gradient (training's) the bits are those of adding
            // row by row to each bias.
            Span<float> dBias = buf.Bias.AsSpan(0, gh);
            dBias.Clear();
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(dBias, dGates.Slice(r * gh, gh), dBias);
            TensorPrimitives.Add(g.Bih, dBias, g.Bih);
            TensorPrimitives.Add(g.Bhh, dBias, g.Bhh);
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
    /// With int8 weights (an <see cref="InferencePrecision.Int8"/> predictor) every row runs <see cref="Int8Gemv"/> instead.
    /// </summary>
    public static void HiddenProduct(int n, int colStart, int cols, ReadOnlySpan<float> h, in DirectionWeights w, int gh, int hidden,
        Span<float> output, int ldc, bool accumulate)
    {
        if (w.Int8 is { } int8)
        {
            Int8Gemv.Product(n, colStart, cols, h, hidden, int8, output, ldc, accumulate);
            return;
        }
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
}
