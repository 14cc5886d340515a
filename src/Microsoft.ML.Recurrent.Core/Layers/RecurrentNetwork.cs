using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Model;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The whole classifier over one shard: embedding or dense input → L recurrent layers (each 1 or 2 directions,
/// dropout between) → pooling → head. Holds the flat parameter vector and the transposed W_hh copies the step GEMMs read.
/// </summary>
internal sealed partial class RecurrentNetwork
{
    public RecurrentArchitecture Architecture { get; }
    public ParameterLayout Layout { get; }
    public float[] Parameters { get; }
    private readonly float[][] _whhT;   // per direction [H, G*H]
    private readonly float[][] _whhTPanels;   // per direction, the same in column panels [⌈G*H/256⌉][H, ≤256]
    private QuantizedRecurrentWeights[]? _int8;   // per direction W_hh in int8, for an InferencePrecision.Int8 predictor's own network
    private float[][]? _wihT;                     // with it, per direction W_ihᵀ [I, G*H]

    public RecurrentNetwork(ParameterLayout layout, float[] parameters)
    {
        if (parameters.Length != layout.Count) throw new ArgumentException($"Expected {layout.Count} parameters, got {parameters.Length}.", nameof(parameters));
        Architecture = layout.Architecture;
        Layout = layout;
        Parameters = parameters;
        int gh = Architecture.GateCount * Architecture.HiddenSize;
        _whhT = new float[layout.Directions.Length][];
        _whhTPanels = new float[layout.Directions.Length][];
        for (int i = 0; i < _whhT.Length; i++)
        {
            _whhT[i] = new float[gh * Architecture.RecurrentSize];
            _whhTPanels[i] = new float[gh * Architecture.RecurrentSize];
        }
        RefreshDerived();
    }

    /// <summary>Re-transposes W_hh after the parameters changed (once per optimizer step).</summary>
    public void RefreshDerived()
    {
        // H here is the width each step reads from the previous one: the hidden size, or a Jordan cell's output size.
        int H = Architecture.RecurrentSize, gh = Architecture.GateCount * Architecture.HiddenSize, pw = RecurrentLayer.PanelWidth;
        for (int i = 0; i < _whhT.Length; i++)
        {
            ReadOnlySpan<float> whh = Parameters.AsSpan(Layout.Directions[i].WeightHh, gh * H);
            float[] t = _whhT[i], panels = _whhTPanels[i];
            // W_hh [GH, H] → W_hhᵀ [H, GH]; tiles of 16 gate rows keep both sides' cache lines hot.
            for (int r0 = 0; r0 < gh; r0 += 16)
            {
                int r1 = Math.Min(gh, r0 + 16);
                for (int c = 0; c < H; c++)
                    for (int r = r0; r < r1; r++)
                        t[c * gh + r] = whh[r * H + c];
            }
            // Panels: columns [q, q+width) of W_hhᵀ as a contiguous [H, width] block at offset q*H.
            for (int q = 0; q < gh; q += pw)
            {
                int width = Math.Min(pw, gh - q);
                for (int c = 0; c < H; c++)
                    t.AsSpan(c * gh + q, width).CopyTo(panels.AsSpan(q * H + c * width, width));
            }
        }
    }

    /// <summary>
    /// From now on the forward pass computes the recurrent products in int8 (<see cref="InferencePrecision.Int8"/>).
    /// For a predictor's network only: the int8 copies are not refreshed by <see cref="RefreshDerived"/>.
    /// </summary>
    public void UseInt8RecurrentWeights()
    {
        int gh = Architecture.GateCount * Architecture.HiddenSize, R = Architecture.RecurrentSize;
        var segments = QuantizedRecurrentWeights.SegmentsOf(Architecture);
        _int8 = new QuantizedRecurrentWeights[Layout.Directions.Length];
        _wihT = new float[Layout.Directions.Length][];
        for (int i = 0; i < _int8.Length; i++)
        {
            var o = Layout.Directions[i];
            _int8[i] = new QuantizedRecurrentWeights(Parameters.AsSpan(o.WeightHh, gh * R), gh, R, segments);
            _wihT[i] = new float[o.InputSize * gh];
            for (int r = 0; r < gh; r++)
                for (int c = 0; c < o.InputSize; c++) _wihT[i][c * gh + r] = Parameters[o.WeightIh + r * o.InputSize + c];
        }
    }

    private DirectionWeights Weights(int index)
        => new(Parameters, Layout.Directions[index], Architecture.GateCount * Architecture.HiddenSize, Architecture.HiddenSize, _whhT[index], _whhTPanels[index],
            _int8?[index], _wihT is null ? default : _wihT[index]);

    /// <summary>
    /// Forward pass of one shard; leaves logits and probabilities in the workspace. With <paramref name="split"/>
    /// (inference, one sequence of at least one step) the recurrent layers run on two threads, with the same results.
    /// </summary>
    public void Forward(Workspace ws, in SequenceShard s, bool training, ulong dropoutSeed, SplitSequenceRunner? split = null)
    {
        var a = Architecture;
        int B = s.Batch, T = s.Steps, D = a.OutputSize, H = a.HiddenSize;
        ws.Ensure(a, B, T, training);

        // Layer 0 input [T, B, I].
        if (a.InputKind == SequenceInputKind.Tokens)
            Embedding.Forward(Parameters.AsSpan(Layout.Embedding, a.VocabularySize * a.EmbeddingSize), a.VocabularySize, a.EmbeddingSize,
                ws.X[0], s);
        else
            LoadFeatures(ws.X[0], a.FeaturesPerStep, s);

        if (split is not null && !training && B == 1 && s.Lengths[0] >= 1)
            split.RunLayers(ws, T);
        else
            ForwardLayers(ws, s, training, dropoutSeed);

        int top = (a.NumberOfLayers - 1) * a.Directions;
        Pooling.Forward(a.Pooling, ws.X[a.NumberOfLayers], ws.Directions[top].Hs.AsSpan(T * B * H, B * H),
            a.Bidirectional ? ws.Directions[top + 1].Hs.AsSpan(0, B * H) : default, ws.Pooled, ws.ArgMax, H, D, s);
        ClassifierHead.Forward(ws.Pooled, Parameters.AsSpan(Layout.HeadWeight, a.LogitCount * D), Parameters.AsSpan(Layout.HeadBias, a.LogitCount),
            ws.Logits, B, D, a.LogitCount);
        if (a.Classification != ClassificationKind.Regression)
            ClassifierHead.Probabilities(ws.Logits, ws.Probabilities, B, a.Classification, a.NumberOfClasses);
    }

    /// <summary>The recurrent layers of <see cref="Forward"/> on this thread: ws.X[0] in, ws.X[L] (unless "last" pooling) and every state out.</summary>
    private void ForwardLayers(Workspace ws, in SequenceShard s, bool training, ulong dropoutSeed)
    {
        var a = Architecture;
        int B = s.Batch, T = s.Steps, D = a.OutputSize, H = a.HiddenSize;
        for (int l = 0; l < a.NumberOfLayers; l++)
        {
            int inputSize = l == 0 ? a.InputSize : D;
            for (int d = 0; d < a.Directions; d++)
            {
                int index = l * a.Directions + d;
                RecurrentLayer.Forward(a, Weights(index), ws.Directions[index], ws.X[l].AsSpan(0, T * B * inputSize), inputSize,
                    ws.X[l + 1], d * H, s, reverse: d == 1);
            }
            if (training && a.Dropout > 0 && l < a.NumberOfLayers - 1)
                Dropout.Forward(ws.X[l + 1].AsSpan(0, T * B * D), ws.DropMask[l + 1], a.Dropout, SplitMix64.Hash(dropoutSeed + (ulong)l));
        }
    }

    /// <summary>
    /// Backward pass after <see cref="Forward"/> with training = true: adds this shard's gradients to
    /// <paramref name="grads"/> (the parameters' layout) and returns its share of the batch loss. With <paramref name="inputGradient"/> the gradient of
    /// the dense input [T, B, F] is left in ws.DX[0].
    /// </summary>
    public double Backward(Workspace ws, in SequenceShard s, Span<float> grads, ReadOnlySpan<int> labels, ReadOnlySpan<float> weights, float lossScale, bool inputGradient = false)
    {
        double loss = ClassifierHead.LossAndGradient(ws.Logits, labels, weights, lossScale, ws.DLogits, s.Batch, Architecture.Classification, Architecture.LogitCount);
        BackwardFromHead(ws, s, grads, inputGradient);
        return loss;
    }

    /// <summary>Backward from the head's output gradient ws.DLogits down to the input (the part every head shares).</summary>
    private void BackwardFromHead(Workspace ws, in SequenceShard s, Span<float> grads, bool inputGradient)
    {
        var a = Architecture;
        int B = s.Batch, T = s.Steps, D = a.OutputSize, H = a.HiddenSize, gh = a.GateCount * H;

        ClassifierHead.Backward(ws.Pooled, Parameters.AsSpan(Layout.HeadWeight, a.LogitCount * D), ws.DLogits,
            grads.Slice(Layout.HeadWeight, a.LogitCount * D), grads.Slice(Layout.HeadBias, a.LogitCount), ws.DPooled, B, D, a.LogitCount);
        bool last = a.Pooling == SequencePooling.Last;
        Pooling.Backward(a.Pooling, ws.DPooled, ws.ArgMax, ws.DX[a.NumberOfLayers], D, s);

        for (int l = a.NumberOfLayers - 1; l >= 0; l--)
        {
            int inputSize = l == 0 ? a.InputSize : D;
            bool topLayer = l == a.NumberOfLayers - 1;
            bool needDx = l > 0 || inputGradient || a.InputKind == SequenceInputKind.Tokens;
            ReadOnlySpan<float> dy = topLayer && last ? default : ws.DX[l + 1].AsSpan(0, T * B * D);
            ReadOnlySpan<float> dhFinal = topLayer && last ? ws.DPooled.AsSpan(0, B * D) : default;
            for (int d = 0; d < a.Directions; d++)
            {
                int index = l * a.Directions + d;
                var g = new DirectionGradients(grads, Layout.Directions[index], gh, H);
                RecurrentLayer.Backward(a, Weights(index), g, ws.Directions[index], ws.X[l].AsSpan(0, T * B * inputSize), inputSize,
                    dy, dhFinal, d * H, needDx ? ws.DX[l].AsSpan(0, T * B * inputSize) : default, accumulateDx: d > 0, s, reverse: d == 1);
            }
            if (l > 0 && a.Dropout > 0) Dropout.Backward(ws.DX[l].AsSpan(0, T * B * D), ws.DropMask[l]);
        }

        if (a.InputKind == SequenceInputKind.Tokens)
            Embedding.Backward(grads.Slice(Layout.Embedding, a.VocabularySize * a.EmbeddingSize), a.VocabularySize, a.EmbeddingSize,
                ws.DX[0], s);
    }

    private static void LoadFeatures(Span<float> x, int f, in SequenceShard s)
    {
        int B = s.Batch;
        x.Slice(0, s.Steps * B * f).Clear();
        for (int b = 0; b < B; b++)
            for (int t = 0; t < s.Lengths[b]; t++)
                s.Features.Slice(s.Offsets[b] + t * f, f).CopyTo(x.Slice((t * B + b) * f, f));
    }
}
