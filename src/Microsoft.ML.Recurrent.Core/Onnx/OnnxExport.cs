using Microsoft.ML.Recurrent.Onnx.Proto;

namespace Microsoft.ML.Recurrent.Onnx;

/// <summary>
/// The engine's ONNX export (<see cref="RecurrentModel.ExportOnnx(Stream)"/>): one graph with dynamic batch and
/// sequence axes. Inputs <c>tokens</c> int64 [batch, steps] (or <c>features</c> float [batch, steps, FeaturesPerStep])
/// and <c>lengths</c> int64 [batch]; outputs <c>probabilities</c> float [batch, classes] and <c>logits</c> float
/// [batch, LogitCount] (a regression head: <c>values</c> float [batch, NumberOfOutputs] in the target's units, and
/// <c>logits</c>, the standardised outputs). Steps at or beyond a row's length are padding and change nothing.
/// </summary>
internal static class OnnxExport
{
    public const string TokensInput = "tokens", FeaturesInput = "features", LengthsInput = "lengths";
    public const string ProbabilitiesOutput = "probabilities", LogitsOutput = "logits", ValuesOutput = "values";

    public static void Write(RecurrentModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var a = model.Architecture;
        if (a.Recurrence == RnnRecurrence.Jordan)
            throw new NotSupportedException("ONNX has no Jordan recurrence (its RNN operator feeds back the hidden state); a model with RnnRecurrence.Jordan cannot be exported.");
        var w = new OnnxModelWriter();
        string input = a.InputKind == SequenceInputKind.Tokens
            ? w.AddInput(TokensInput, TensorProto.Types.DataType.Int64, "batch", "steps")
            : w.AddInput(FeaturesInput, TensorProto.Types.DataType.Float, "batch", "steps", a.FeaturesPerStep);
        string lengths = w.AddInput(LengthsInput, TensorProto.Types.DataType.Int64, "batch");
        bool regression = a.Classification == ClassificationKind.Regression;
        w.Reserve(regression ? ValuesOutput : ProbabilitiesOutput);
        w.Reserve(LogitsOutput);
        var outputs = RecurrentOnnxGraph.Write(w, model, input, lengths);
        if (regression) w.AddOutput(outputs.Probabilities, ValuesOutput, TensorProto.Types.DataType.Float, "batch", a.LogitCount);
        else w.AddOutput(outputs.Probabilities, ProbabilitiesOutput, TensorProto.Types.DataType.Float, "batch", a.NumberOfClasses);
        w.AddOutput(outputs.Logits, LogitsOutput, TensorProto.Types.DataType.Float, "batch", a.LogitCount);
        w.WriteTo(stream, $"{a.Cell} sequence classifier exported by Microsoft.ML.Recurrent", model.Metadata);
    }
}
