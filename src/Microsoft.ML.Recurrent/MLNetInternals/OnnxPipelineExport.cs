// ML.NET internals (see README.md in this folder): ML.NET's OnnxContext is internal.
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Recurrent.Onnx;

namespace Microsoft.ML.Recurrent.MLNetInternals;

/// <summary>
/// The fitted recurrent classifier's part of <c>mlContext.Model.ConvertToOnnx</c>: the feature column as the
/// engine's input (text tokens through the vocabulary as an ONNX-ML <c>LabelEncoder</c>, keys shifted to token ids,
/// floats reshaped to steps; cut to <c>MaxSequenceLength</c>), the network graph shared with
/// <c>RecurrentModel.ExportOnnx</c>, then ML.NET's prediction columns with ML.NET's names and types.
/// </summary>
internal static class OnnxPipelineExport
{
    /// <summary>GreaterOrEqual, and Max over int64, need opset 12 (ML.NET's default).</summary>
    public const int MinimumOpset = 12;

    private const long OnnxInt64 = 7, OnnxUInt32 = 12;

    /// <summary>
    /// The same [B, T] int64 ids, with T unknown to shape inference. ML.NET's TokenizeIntoWords export declares its
    /// output one token wide ([-1, 1]) though it holds every token; shape inference carries that through
    /// MapValueToKey, and ONNX Runtime's optimizers then fold the sequence length to the constant 1 (and drop the
    /// MaxSequenceLength slice as a no-op). Gathering the values at NonZero(all true) gives a tensor whose length
    /// only the data decides, so nothing downstream is folded from the false width.
    /// </summary>
    private static string WithRuntimeWidth(OnnxGraphBuilder g, string ids)
    {
        string batch = g.Op("Slice", "ids_rows", [g.Op("Shape", "ids_shape", [ids]), g.Vector("rows_start", 0), g.Vector("rows_end", 1), g.Vector("rows_axis", 0)]);
        string flat = g.Op("Reshape", "ids_flat", [ids, g.Vector("shape_flat", -1)]);
        string all = g.Op("Reshape", "ids_positions", [g.Op("NonZero", "ids_nonzero", [g.Op("Equal", "ids_all", [flat, flat])]), g.Vector("shape_flat2", -1)]);
        string gathered = g.Op("Gather", "ids_gathered", [flat, all], new OnnxAttribute("axis", 0L));
        return g.Op("Reshape", "ids_runtime", [gathered, g.Op("Concat", "ids_shape_rt", [batch, g.Vector("minus_one", -1)], new OnnxAttribute("axis", 0L))]);
    }

    public static void Save(OnnxContext ctx, BoundScorer bound)
    {
        var scorer = bound.Scorer;
        string column = scorer.FeatureColumnName;
        if (!ctx.ContainsColumn(column))
            throw new InvalidOperationException(
                $"ONNX export: the recurrent classifier reads column '{column}', which has no ONNX value: the pipeline step that " +
                $"produces '{column}' cannot be exported to ONNX (ML.NET's converter stopped there). Every step before the " +
                "recurrent trainer must support ONNX (e.g. TokenizeIntoWords, MapValueToKey), or the column must be a pipeline input.");
        try
        {
            ctx.CheckOpSetVersion(MinimumOpset, nameof(RecurrentSequenceClassificationTransformer));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException($"ONNX export: the recurrent classifier needs ONNX opset {MinimumOpset} or later. {e.Message}", e);
        }

        var g = new OnnxContextGraph(ctx);
        var encoder = scorer.Encoder;
        string input = ctx.GetVariableName(column);
        string steps;   // token ids int64 [B, T] or features float [B, T, F]
        switch (encoder.Kind)
        {
            case SequenceColumnKind.Text:
            {
                // string → id: the vocabulary from id 2 on; anything else (unknown token, padding text) → 1.
                var vocabulary = encoder.Vocabulary!;
                steps = g.UniqueName("token_ids");
                g.AddNode("LabelEncoder", [input], [steps],
                [
                    new OnnxAttribute("keys_strings", vocabulary[2..]),
                    new OnnxAttribute("values_int64s", Enumerable.Range(2, vocabulary.Length - 2).Select(i => (long)i).ToArray()),
                    new OnnxAttribute("default_int64", (long)RecurrentArchitecture.UnknownId),
                ], "ai.onnx.ml");
                break;
            }
            case SequenceColumnKind.Key:
            {
                // key k (1-based; 0 = missing) → id k + 1; missing keys and keys beyond training's count → unknown (1).
                string key = g.Op("Cast", "key", [input], new OnnxAttribute("to", OnnxInt64));
                string valid = g.Op("And", "key_known", [
                    g.Op("Greater", "key_gt0", [key, g.Scalar("key_zero", 0L)]),
                    g.Op("Not", "key_le_count", [g.Op("Greater", "key_gt_count", [key, g.Scalar("key_count", (long)encoder.KeyCount)])])]);
                steps = g.Op("Where", "token_ids", [valid, g.Op("Add", "key_plus1", [key, g.Scalar("key_one", 1L)]), g.Scalar("unknown_id", (long)RecurrentArchitecture.UnknownId)]);
                break;
            }
            default:
                steps = g.Op("Reshape", "steps", [input, g.Vector("shape_b_t_f", 0, -1, encoder.FeaturesPerStep)]);
                break;
        }
        if (encoder.Kind != SequenceColumnKind.Float) steps = WithRuntimeWidth(g, steps);
        if (encoder.MaxSteps > 0)
        {
            // Longer sequences keep their first MaxSequenceLength steps, as ML.NET scoring does.
            steps = g.Op("Slice", "steps_kept", [steps, g.Vector("slice_start", 0), g.Vector("slice_end", encoder.MaxSteps), g.Vector("slice_axis", 1)]);
        }
        // Every row of a column is one sequence of T steps (ML.NET exports variable-length vectors one row per call).
        string shape = g.Op("Shape", "steps_shape", [steps]);
        string batch = g.Op("Slice", "batch", [shape, g.Vector("at0", 0), g.Vector("at1", 1), g.Vector("axis0", 0)]);
        string count = g.Op("Slice", "step_count", [shape, g.Vector("from1", 1), g.Vector("to2", 2), g.Vector("axis0b", 0)]);
        string lengths = g.Op("Expand", "lengths", [count, batch]);

        var outputs = RecurrentOnnxGraph.Write(g, scorer.Model, steps, lengths);

        var schema = bound.OutputSchema;
        DataViewSchema.Column Output(int i) => schema[bound.InputCount + i];
        void Emit(string variable, DataViewSchema.Column c) =>
            g.AddNode("Identity", [variable], [ctx.AddIntermediateVariable(c.Type, c.Name)], []);
        if (scorer.Task == SequenceClassificationTask.Regression)
        {
            // Score = the prediction in the label's units (the graph's second output for a regression head).
            Emit(outputs.Probabilities, Output(0));
        }
        else if (scorer.Task == SequenceClassificationTask.Binary)
        {
            // Score = the logit, Probability = its sigmoid, PredictedLabel = Probability > 0.5 (as the scorer does).
            string probability = g.Op("Sigmoid", "probability", [outputs.Logits]);
            Emit(outputs.Logits, Output(0));
            Emit(probability, Output(1));
            Emit(g.Op("Greater", "predicted", [probability, g.Scalar("half", 0.5f)]), Output(2));
        }
        else
        {
            // Score = class probabilities; PredictedLabel = the key (1-based) of the most probable class, first on ties.
            string best = g.Op("ArgMax", "best_class", [outputs.Probabilities], new OnnxAttribute("axis", 1L), new OnnxAttribute("keepdims", 1L));
            string key = g.Op("Cast", "predicted_key", [g.Op("Add", "best_key", [best, g.Scalar("key_offset", 1L)])], new OnnxAttribute("to", OnnxUInt32));
            Emit(outputs.Probabilities, Output(0));
            Emit(key, Output(1));
        }
    }
}
