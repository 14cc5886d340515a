using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent;

public sealed partial class RecurrentPredictor
{
    /// <summary>Outputs of a regression head per sequence (<see cref="RecurrentArchitecture.NumberOfOutputs"/>).</summary>
    public int NumberOfOutputs => _model.Architecture.NumberOfOutputs;

    /// <summary>Regression outputs of one dense sequence, in the target's units, into <paramref name="values"/> (length ≥ outputs).</summary>
    public void PredictValues(ReadOnlySpan<float> features, Span<float> values)
    {
        var a = RequireRegression(values, 1);
        if (a.InputKind != SequenceInputKind.Features) throw new InvalidOperationException("This model reads token ids, not dense features.");
        CheckFeatures(features, a.FeaturesPerStep, 0);
        var s = _scratch.Value!;
        s.Batch.PackOne(default, features, a.FeaturesPerStep);
        RunValues(s, values);
    }

    /// <summary>Regression outputs of one token sequence, in the target's units.</summary>
    public void PredictValues(ReadOnlySpan<int> tokens, Span<float> values)
    {
        var a = RequireRegression(values, 1);
        if (a.InputKind != SequenceInputKind.Tokens) throw new InvalidOperationException($"This model reads dense features ({a.FeaturesPerStep} per step), not token ids.");
        var s = _scratch.Value!;
        s.Batch.PackOne(tokens, default, 0);
        RunValues(s, values);
    }

    /// <summary>Regression outputs [N, outputs] of many dense sequences, scored in length-sorted batches.</summary>
    public void PredictValues(IReadOnlyList<float[]> sequences, Span<float> values)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var a = RequireRegression(values, sequences.Count);
        if (a.InputKind != SequenceInputKind.Features) throw new InvalidOperationException("This model reads token ids, not dense features.");
        for (int i = 0; i < sequences.Count; i++) CheckFeatures(sequences[i], a.FeaturesPerStep, i);
        PredictValuesMany(new FeatureListSource(sequences, a.FeaturesPerStep), sequences.Count, values);
    }

    /// <summary>Regression outputs [N, outputs] of many token sequences, scored in length-sorted batches.</summary>
    public void PredictValues(IReadOnlyList<int[]> sequences, Span<float> values)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var a = RequireRegression(values, sequences.Count);
        if (a.InputKind != SequenceInputKind.Tokens) throw new InvalidOperationException("This model reads dense features, not token ids.");
        PredictValuesMany(new TokenListSource(sequences), sequences.Count, values);
    }

    internal RegressionEvaluation EvaluateRegression(SequenceDataset data, RegressionLoss loss, float huberDelta)
    {
        var a = _model.Architecture;
        if (a.Classification != ClassificationKind.Regression) throw new InvalidOperationException("The model has a classification head; use Evaluate.");
        if (data.Kind != a.InputKind) throw new ArgumentException($"The dataset holds {data.Kind}; the model reads {a.InputKind}.", nameof(data));
        if (data.Kind == SequenceInputKind.Features && data.FeaturesPerStep != a.FeaturesPerStep)
            throw new ArgumentException($"The dataset has {data.FeaturesPerStep} features per step; the model reads {a.FeaturesPerStep}.", nameof(data));
        int K = a.NumberOfOutputs;
        if (data.TargetCount != K) throw new ArgumentException($"The dataset has {data.TargetCount} targets per sequence; the model has {K} outputs.", nameof(data));
        var predicted = new float[(long)data.Count * K];
        PredictValuesMany(new DatasetSource(data), data.Count, predicted);
        var st = _model.TargetStandardization!;
        double lossSum = 0, abs = 0, sq = 0, weight = 0, targetSum = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double w = data.Weights[i];
            weight += w;
            ReadOnlySpan<float> y = data.TargetsOf(i);
            for (int k = 0; k < K; k++)
            {
                float e = predicted[i * K + k] - y[k];
                abs += w * Math.Abs(e); sq += w * (double)e * e; targetSum += w * y[k];
                lossSum += w * RegressionHead.Element(e / st.Scale[k], loss, huberDelta).Loss / K;
            }
        }
        if (weight <= 0) return new RegressionEvaluation(0, 0, 0, 0, data.Count);
        double mean = targetSum / (weight * K), sst = 0;
        for (int i = 0; i < data.Count; i++)
            for (int k = 0; k < K; k++) { double d = data.TargetsOf(i)[k] - mean; sst += data.Weights[i] * d * d; }
        return new RegressionEvaluation(lossSum / weight, abs / (weight * K), Math.Sqrt(sq / (weight * K)), sst > 0 ? 1 - sq / sst : 0, data.Count);
    }

    private RecurrentArchitecture RequireRegression(Span<float> values, int count)
    {
        var a = _model.Architecture;
        if (a.Classification != ClassificationKind.Regression) throw new InvalidOperationException("The model has a classification head; use PredictProbabilities.");
        if (values.Length < (long)count * a.NumberOfOutputs)
            throw new ArgumentException($"Expected room for {count} × {a.NumberOfOutputs} values; got {values.Length}.", nameof(values));
        return a;
    }

    private void RunValues(Scratch s, Span<float> values)
    {
        int K = NumberOfOutputs;
        ForwardOne(s);
        s.Workspace.Logits.AsSpan(0, K).CopyTo(values);
        _model.TargetStandardization!.Restore(values.Slice(0, K));
    }

    private void PredictValuesMany<TSource>(TSource source, int count, Span<float> values) where TSource : ISequenceSource
    {
        int K = NumberOfOutputs;
        if (!TryRunParallel(source, count, default, values))
        {
            var s = _scratch.Value!;
            for (int start = 0; start < count; start += BatchSize)
                ForwardChunk(_network, s.Workspace, s.Batch, source, start, Math.Min(BatchSize, count - start), default, values);
        }
        _model.TargetStandardization!.Restore(values.Slice(0, count * K));
    }
}
