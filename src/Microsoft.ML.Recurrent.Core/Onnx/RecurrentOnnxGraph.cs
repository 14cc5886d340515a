namespace Microsoft.ML.Recurrent.Onnx;

/// <summary>
/// The network as ONNX nodes: [embedding] → one standard <c>LSTM</c>/<c>GRU</c>/<c>RNN</c> operator per layer (with
/// <c>sequence_lens</c>, so padding changes nothing, like the engine's packed batches) → pooling over real steps →
/// dense head. Dropout is training-only and exports nothing.
/// </summary>
internal static class RecurrentOnnxGraph
{
    /// <summary>ONNX's names of the outputs this graph computes.</summary>
    internal readonly record struct Outputs(string Logits, string Probabilities);

    // ONNX gate k takes PyTorch gate Order[k]. LSTM: PyTorch i,f,g,o → ONNX i,o,f,c. GRU: PyTorch r,z,n → ONNX z,r,h.
    private static readonly int[] LstmGateOrder = [0, 3, 1, 2];
    private static readonly int[] GruGateOrder = [1, 0, 2];
    private static readonly int[] RnnGateOrder = [0];
    // Peepholes: ours [p_i; p_f; p_o] → ONNX P = [p_i, p_o, p_f].
    private static readonly int[] PeepholeOrder = [0, 2, 1];

    private const long OnnxInt32 = 6, OnnxFloat = 1;

    /// <summary>
    /// Writes the network. <paramref name="input"/>: token ids int64 [B, T] or features float [B, T, F];
    /// <paramref name="lengths"/>: int64 [B], each at most T. Returns logits [B, LogitCount] and probabilities [B, C].
    /// </summary>
    public static Outputs Write(OnnxGraphBuilder g, RecurrentModel model, string input, string lengths)
    {
        var a = model.Architecture;
        ReadOnlySpan<float> p = model.RawParameters;
        var layout = model.Layout;

        // x: [T, B, I].
        string x;
        if (a.InputKind == SequenceInputKind.Tokens)
        {
            // Ids outside [0, V) read as unknown, exactly like the engine's embedding.
            string ids = g.Op("Transpose", "ids_tb", [input], new OnnxAttribute("perm", new long[] { 1, 0 }));
            string inRange = g.Op("And", "id_in_range", [
                g.Op("GreaterOrEqual", "id_ge0", [ids, g.Scalar("zero_id", 0L)]),
                g.Op("Less", "id_ltv", [ids, g.Scalar("vocabulary_size", (long)a.VocabularySize)])]);
            string known = g.Op("Where", "ids_known", [inRange, ids, g.Scalar("unknown_id", (long)RecurrentArchitecture.UnknownId)]);
            // Row 0 (padding) is a zero vector whatever the stored table holds: the engine never reads it.
            var table = p.Slice(layout.Embedding, a.VocabularySize * a.EmbeddingSize).ToArray();
            Array.Clear(table, 0, a.EmbeddingSize);
            string embedding = g.AddInitializer("embedding_weight", table, [a.VocabularySize, a.EmbeddingSize]);
            x = g.Op("Gather", "embedded", [embedding, known], new OnnxAttribute("axis", 0L));
        }
        else
        {
            x = g.Op("Transpose", "steps_tbf", [input], new OnnxAttribute("perm", new long[] { 1, 0, 2 }));
        }

        // One zero step at the end, beyond every row's length: a batch of empty sequences still gives the recurrent
        // operators a step. A sequence of length 0 pools to zeros in the engine; the ONNX operators need length ≥ 1, so
        // those rows run that one (ignored) step and their pooled vector is zeroed below.
        x = g.Op("Pad", "steps_padded", [x, g.Vector("pad_one_step", 0, 0, 0, 1, 0, 0)], new OnnxAttribute("mode", "constant"));
        string one64 = g.Scalar("one", 1L);
        string lengthsAtLeast1 = g.Op("Max", "lengths_ge1", [lengths, one64]);
        string sequenceLens = g.Op("Cast", "sequence_lens", [lengthsAtLeast1], new OnnxAttribute("to", OnnxInt32));

        string y = x, yh = "";
        for (int l = 0; l < a.NumberOfLayers; l++)
        {
            (y, yh) = Layer(g, model, l, y, sequenceLens);
        }

        // pooled: [B, D·H], the forward direction first, like the engine.
        string pooled;
        if (a.Pooling == SequencePooling.Last)
        {
            // Y_h is the forward state at the last real step and the reverse state at step 0: PyTorch's h_n.
            string bdh = g.Op("Transpose", "h_n_bdh", [yh], new OnnxAttribute("perm", new long[] { 1, 0, 2 }));
            pooled = g.Op("Reshape", "pooled_last", [bdh, g.Vector("shape_b_dh", 0, -1)]);
        }
        else
        {
            // mask [T, B, 1]: step t is real for row b when t < length_b.
            string shape = g.Op("Shape", "y_shape", [y]);
            string steps = g.Op("Gather", "steps", [shape, g.Scalar("axis_t", 0L)], new OnnxAttribute("axis", 0L));
            string range = g.Op("Range", "step_index", [g.Scalar("range_start", 0L), steps, g.Scalar("range_delta", 1L)]);
            string column = g.Op("Reshape", "step_column", [range, g.Vector("shape_t_1", -1, 1)]);
            string mask2 = g.Op("Less", "real_step", [column, lengths]);
            string mask = g.Op("Reshape", "real_step_tb1", [mask2, g.Vector("shape_t_b_1", 0, 0, 1)]);
            if (a.Pooling == SequencePooling.Mean)
            {
                string maskF = g.Op("Cast", "real_step_f", [mask], new OnnxAttribute("to", OnnxFloat));
                string sum = g.Reduce("ReduceSum", "sum_over_steps", g.Op("Mul", "masked_y", [y, maskF]), 0, keepDims: false);
                string count = g.Op("Cast", "step_count", [g.Op("Reshape", "length_column", [lengthsAtLeast1, g.Vector("shape_b_1", -1, 1)])],
                    new OnnxAttribute("to", OnnxFloat));
                pooled = g.Op("Div", "pooled_mean", [sum, count]);
            }
            else
            {
                string masked = g.Op("Where", "masked_y", [mask, y, g.Scalar("minus_infinity", float.NegativeInfinity)]);
                pooled = g.Reduce("ReduceMax", "pooled_max", masked, 0, keepDims: false);
            }
        }
        string hasSteps = g.Op("Reshape", "has_steps", [g.Op("Greater", "length_gt0", [lengths, g.Scalar("zero_length", 0L)]), g.Vector("shape_b_1", -1, 1)]);
        pooled = g.Op("Where", "pooled", [hasSteps, pooled, g.Scalar("zero", 0f)]);

        // Head: logits = pooled · Wᵀ + b.
        var headW = p.Slice(layout.HeadWeight, a.LogitCount * a.OutputSize).ToArray();
        var headB = p.Slice(layout.HeadBias, a.LogitCount).ToArray();
        string logits = g.Op("Gemm", "logits", [pooled, g.AddInitializer("head_weight", headW, [a.LogitCount, a.OutputSize]),
            g.AddInitializer("head_bias", headB, [a.LogitCount])], new OnnxAttribute("transB", 1L));
        string probabilities;
        if (a.Classification == ClassificationKind.Regression)
        {
            // A regression head has no probabilities: its second output is the prediction in the target's units.
            var st = model.TargetStandardization!;
            string scaled = g.Op("Mul", "values_scaled", [logits, g.AddInitializer("target_scale", st.Scale.ToArray(), [a.LogitCount])]);
            probabilities = g.Op("Add", "values", [scaled, g.AddInitializer("target_mean", st.Mean.ToArray(), [a.LogitCount])]);
        }
        else if (a.Classification == ClassificationKind.Binary)
        {
            string p1 = g.Op("Sigmoid", "probability", [logits]);
            string p0 = g.Op("Sub", "probability_0", [g.Scalar("one_f", 1f), p1]);
            probabilities = g.Op("Concat", "probabilities", [p0, p1], new OnnxAttribute("axis", 1L));
        }
        else
        {
            probabilities = g.Op("Softmax", "probabilities", [logits], new OnnxAttribute("axis", 1L));
        }
        return new Outputs(logits, probabilities);
    }

    /// <summary>One layer: x [T, B, I] → y [T, B, D·H] and Y_h [D, B, H].</summary>
    private static (string Y, string Yh) Layer(OnnxGraphBuilder g, RecurrentModel model, int layer, string x, string sequenceLens)
    {
        var a = model.Architecture;
        ReadOnlySpan<float> p = model.RawParameters;
        int D = a.Directions, H = a.HiddenSize, G = a.GateCount;
        int[] order = a.Cell switch { RecurrentCellType.Lstm => LstmGateOrder, RecurrentCellType.Gru => GruGateOrder, _ => RnnGateOrder };
        int input = model.Layout.Directions[layer * D].InputSize;
        var w = new float[D * G * H * input];
        var r = new float[D * G * H * H];
        var b = new float[D * 2 * G * H];
        var peep = a.Peephole ? new float[D * 3 * H] : null;
        for (int d = 0; d < D; d++)
        {
            var o = model.Layout.Directions[layer * D + d];
            for (int k = 0; k < G; k++)
            {
                int src = order[k];
                p.Slice(o.WeightIh + src * H * input, H * input).CopyTo(w.AsSpan((d * G + k) * H * input));
                p.Slice(o.WeightHh + src * H * H, H * H).CopyTo(r.AsSpan((d * G + k) * H * H));
                // ONNX B = [Wb; Rb] per direction: bias_ih gates, then bias_hh gates.
                p.Slice(o.BiasIh + src * H, H).CopyTo(b.AsSpan((d * 2 * G + k) * H));
                p.Slice(o.BiasHh + src * H, H).CopyTo(b.AsSpan((d * 2 * G + G + k) * H));
            }
            if (peep != null)
                for (int k = 0; k < 3; k++) p.Slice(o.Peephole + PeepholeOrder[k] * H, H).CopyTo(peep.AsSpan((d * 3 + k) * H));
        }
        string prefix = $"l{layer}_";
        var inputs = new List<string>
        {
            x,
            g.AddInitializer(prefix + "W", w, [D, G * H, input]),
            g.AddInitializer(prefix + "R", r, [D, G * H, H]),
            g.AddInitializer(prefix + "B", b, [D, 2 * G * H]),
            sequenceLens,
        };
        if (peep != null) inputs.AddRange(["", "", g.AddInitializer(prefix + "P", peep, [D, 3 * H])]);

        var attributes = new List<OnnxAttribute>
        {
            new("hidden_size", (long)H),
            new("direction", a.Bidirectional ? "bidirectional" : "forward"),
        };
        string op;
        switch (a.Cell)
        {
            case RecurrentCellType.Lstm: op = "LSTM"; break;
            case RecurrentCellType.Gru:
                op = "GRU";
                // 1: reset gate applied after the recurrent product (PyTorch); 0: before it (Cho et al. 2014).
                attributes.Add(new("linear_before_reset", a.GruReset == GruResetMode.AfterRecurrentProduct ? 1L : 0L));
                break;
            default:
                op = "RNN";
                string act = a.RnnActivation == RnnActivation.Relu ? "Relu" : "Tanh";
                attributes.Add(new("activations", Enumerable.Repeat(act, D).ToArray()));
                break;
        }
        string y4 = g.UniqueName(prefix + "Y"), yh = g.UniqueName(prefix + "Y_h");
        g.AddNode(op, inputs, [y4, yh], attributes);
        // Y [T, D, B, H] → [T, B, D, H] → [T, B, D·H]: the next layer's input, directions concatenated.
        string tbdh = g.Op("Transpose", prefix + "Y_tbdh", [y4], new OnnxAttribute("perm", new long[] { 0, 2, 1, 3 }));
        string y = g.Op("Reshape", prefix + "output", [tbdh, g.Vector(prefix + "shape_t_b_dh", 0, 0, -1)]);
        return (y, yh);
    }
}
