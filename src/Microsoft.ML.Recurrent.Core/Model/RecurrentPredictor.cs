using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Scores sequences with a <see cref="RecurrentModel"/>. Thread-safe: any number of threads may call it at once;
/// each gets its own workspace (grown to the longest sequence seen, then reused), so steady-state calls allocate nothing.
/// </summary>
/// <remarks>
/// A call with many sequences is cut into fixed blocks of <see cref="BatchSize"/> consecutive sequences; each block is
/// packed and run forward exactly as it would be alone. The blocks run on up to <see cref="NumberOfThreads"/> threads
/// (the calling thread and parked workers owned by the predictor), so results are bit-identical whatever the thread
/// count. One sequence, or one block, runs on the calling thread; so does a call made while another thread is using
/// the workers (never waiting for them).
/// </remarks>
public sealed partial class RecurrentPredictor
{
    /// <summary>
    /// Sequences scored together as one block by the batch overloads: 32 rows keep the step GEMMs efficient and let a
    /// call of 64 split across two cores (see docs/performance.md, "Batched scoring on every core").
    /// </summary>
    public const int BatchSize = 32;

    private readonly RecurrentModel _model;
    private readonly RecurrentNetwork _network;
    private readonly ThreadLocal<Scratch> _scratch;

    internal RecurrentPredictor(RecurrentModel model, PredictorOptions? options = null)
    {
        _model = model;
        // The network only reads its parameters here, so every thread shares one.
        _network = new RecurrentNetwork(model.Layout, model.RawParameters);
        Precision = options?.Precision ?? InferencePrecision.Float32;
        if (Precision == InferencePrecision.Int8) _network.UseInt8RecurrentWeights();   // once per predictor, not per call
        else if (Precision != InferencePrecision.Float32)
            throw new ArgumentOutOfRangeException(nameof(options), Precision, "Precision must be InferencePrecision.Float32 or Int8.");
        _scratch = new ThreadLocal<Scratch>(() => new Scratch(model.Architecture));
        int? threads = options?.NumberOfThreads;
        if (threads is <= 0) throw new ArgumentOutOfRangeException(nameof(options), threads, "NumberOfThreads must be null (every core) or > 0.");
        NumberOfThreads = threads ?? Environment.ProcessorCount;
        _blockBody = RunBlock;
        int single = options?.SingleSequenceThreads ?? 1;
        if (single is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(options), single, "SingleSequenceThreads must be 1 or 2.");
        // The split halves compute in fp32; an int8 predictor runs one sequence on the calling thread.
        SingleSequenceThreads = single == 2 && Precision == InferencePrecision.Float32 && SplitSequenceRunner.Supports(model.Architecture) ? 2 : 1;
        if (SingleSequenceThreads == 2) _split = new SplitSequenceRunner(_network);
    }

    private readonly SplitSequenceRunner? _split;

    /// <summary>
    /// Threads a one-sequence call uses: 2 when <see cref="PredictorOptions.SingleSequenceThreads"/> asked for 2, the
    /// precision is fp32 and the model's cell can be split, else 1.
    /// </summary>
    public int SingleSequenceThreads { get; }

    /// <summary>Threads a many-sequence call may use (the calling thread included).</summary>
    public int NumberOfThreads { get; }

    /// <summary>Arithmetic of the recurrent products (<see cref="PredictorOptions.Precision"/>); fp32 unless asked otherwise.</summary>
    public InferencePrecision Precision { get; }

    /// <summary>One predicting thread's scratch: activations only (no gradients), grown to the largest input seen.</summary>
    private sealed class Scratch(RecurrentArchitecture architecture)
    {
        public readonly Workspace Workspace = new(architecture);
        public readonly PackedBatch Batch = new();
    }

    /// <summary>Number of probabilities each prediction writes.</summary>
    public int NumberOfClasses => _model.Architecture.NumberOfClasses;

    /// <summary>The model scored.</summary>
    public RecurrentModel Model => _model;

    /// <summary>Class probabilities of one token sequence into <paramref name="probabilities"/> (length ≥ classes).</summary>
    public void PredictProbabilities(ReadOnlySpan<int> tokens, Span<float> probabilities) => Predict(tokens, probabilities, default);

    /// <summary>
    /// Probabilities and, unless <paramref name="logits"/> is empty, the head's raw outputs (<see cref="LogitCount"/>
    /// values: the single logit of a binary head, whose sigmoid is the probability of class 1, or the softmax inputs).
    /// </summary>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> probabilities, Span<float> logits)
    {
        var a = _model.Architecture;
        if (a.InputKind != SequenceInputKind.Tokens) throw new InvalidOperationException($"This model reads dense features ({a.FeaturesPerStep} per step), not token ids.");
        CheckOutput(probabilities);
        var s = _scratch.Value!;
        CheckLogits(logits, 1);
        s.Batch.PackOne(tokens, default, 0);
        Run(s, probabilities, logits);
    }

    /// <summary>Class probabilities of one dense sequence (steps back to back, FeaturesPerStep floats each).</summary>
    public void PredictProbabilities(ReadOnlySpan<float> features, Span<float> probabilities) => Predict(features, probabilities, default);

    /// <summary>Probabilities and raw head outputs of one dense sequence (see the token overload).</summary>
    public void Predict(ReadOnlySpan<float> features, Span<float> probabilities, Span<float> logits)
    {
        var a = _model.Architecture;
        if (a.InputKind != SequenceInputKind.Features) throw new InvalidOperationException("This model reads token ids, not dense features.");
        CheckFeatures(features, a.FeaturesPerStep, 0);
        CheckOutput(probabilities);
        var s = _scratch.Value!;
        CheckLogits(logits, 1);
        s.Batch.PackOne(default, features, a.FeaturesPerStep);
        Run(s, probabilities, logits);
    }

    /// <summary>Probabilities [N, classes] of many token sequences, scored in length-sorted batches.</summary>
    public void PredictProbabilities(IReadOnlyList<int[]> sequences, Span<float> probabilities) => Predict(sequences, probabilities, default);

    /// <summary>Probabilities [N, classes] and, unless empty, raw head outputs [N, LogitCount] of many token sequences.</summary>
    public void Predict(IReadOnlyList<int[]> sequences, Span<float> probabilities, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (_model.Architecture.InputKind != SequenceInputKind.Tokens) throw new InvalidOperationException("This model reads dense features, not token ids.");
        CheckLogits(logits, sequences.Count);
        PredictMany(new TokenListSource(sequences), sequences.Count, probabilities, logits);
    }

    /// <summary>Probabilities [N, classes] of many dense sequences, scored in length-sorted batches.</summary>
    public void PredictProbabilities(IReadOnlyList<float[]> sequences, Span<float> probabilities) => Predict(sequences, probabilities, default);

    /// <summary>Probabilities [N, classes] and, unless empty, raw head outputs [N, LogitCount] of many dense sequences.</summary>
    public void Predict(IReadOnlyList<float[]> sequences, Span<float> probabilities, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var a = _model.Architecture;
        if (a.InputKind != SequenceInputKind.Features) throw new InvalidOperationException("This model reads token ids, not dense features.");
        for (int i = 0; i < sequences.Count; i++) CheckFeatures(sequences[i], a.FeaturesPerStep, i);
        CheckLogits(logits, sequences.Count);
        PredictMany(new FeatureListSource(sequences, a.FeaturesPerStep), sequences.Count, probabilities, logits);
    }

    /// <summary>Raw head outputs per sequence: 1 for a binary head, else the class count.</summary>
    public int LogitCount => _model.Architecture.LogitCount;

    internal ModelEvaluation Evaluate(SequenceDataset data)
    {
        var a = _model.Architecture;
        if (data.Kind != a.InputKind) throw new ArgumentException($"The dataset holds {data.Kind}; the model reads {a.InputKind}.", nameof(data));
        if (data.Kind == SequenceInputKind.Features && data.FeaturesPerStep != a.FeaturesPerStep)
            throw new ArgumentException($"The dataset has {data.FeaturesPerStep} features per step; the model reads {a.FeaturesPerStep}.", nameof(data));
        int C = a.NumberOfClasses;
        var probs = new float[(long)data.Count * C];
        PredictMany(new DatasetSource(data), data.Count, probs, default);
        return Score(data, probs, C);
    }

    /// <summary>Weighted mean loss and accuracy of class probabilities [N, C] against the dataset's labels (also the trainer's validation score).</summary>
    internal static ModelEvaluation Score(SequenceDataset data, ReadOnlySpan<float> probs, int C)
    {
        double loss = 0, weight = 0;
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            ReadOnlySpan<float> p = probs.Slice(i * C, C);
            int label = data.Labels[i];
            if (label >= C) throw new ArgumentException($"Label {label} of sequence {i} is outside the model's {C} classes.", nameof(data));
            int best = 0;
            for (int c = 1; c < C; c++) if (p[c] > p[best]) best = c;
            if (best == label) correct++;
            loss -= data.Weights[i] * Math.Log(Math.Max(p[label], 1e-30f));
            weight += data.Weights[i];
        }
        return new ModelEvaluation(weight > 0 ? loss / weight : 0, data.Count > 0 ? (double)correct / data.Count : 0, data.Count);
    }

    private void PredictMany<TSource>(TSource source, int count, Span<float> probabilities, Span<float> logits) where TSource : ISequenceSource
    {
        int C = NumberOfClasses;
        if (probabilities.Length < (long)count * C) throw new ArgumentException($"Expected room for {count} × {C} probabilities; got {probabilities.Length}.", nameof(probabilities));
        if (TryRunParallel(source, count, probabilities, logits)) return;
        var s = _scratch.Value!;
        for (int start = 0; start < count; start += BatchSize)
            ForwardChunk(_network, s.Workspace, s.Batch, source, start, Math.Min(BatchSize, count - start), probabilities, logits);
    }

    /// <summary>
    /// Sequences [start, start+n) of <paramref name="source"/> packed (length-sorted) and run forward as one shard;
    /// their probabilities and logits (each unless empty) written back in source order.
    /// </summary>
    internal static void ForwardChunk<TSource>(RecurrentNetwork network, Workspace ws, PackedBatch batch, TSource source, int start, int n,
        Span<float> probabilities, Span<float> logits) where TSource : ISequenceSource
    {
        var a = network.Architecture;
        int C = a.NumberOfClasses, L = a.LogitCount;
        Span<int> indices = stackalloc int[BatchSize];   // n ≤ BatchSize
        for (int i = 0; i < n; i++) indices[i] = start + i;
        batch.Pack(source, indices[..n], default);
        network.Forward(ws, batch.Shard(0), training: false, 0);
        for (int r = 0; r < n; r++)
        {
            int row = batch.Order[r];
            if (!probabilities.IsEmpty) ws.Probabilities.AsSpan(r * C, C).CopyTo(probabilities.Slice(row * C, C));
            if (!logits.IsEmpty) ws.Logits.AsSpan(r * L, L).CopyTo(logits.Slice(row * L, L));
        }
    }

    private void Run(Scratch s, Span<float> probabilities, Span<float> logits)
    {
        ForwardOne(s);
        s.Workspace.Probabilities.AsSpan(0, NumberOfClasses).CopyTo(probabilities);
        if (!logits.IsEmpty) s.Workspace.Logits.AsSpan(0, LogitCount).CopyTo(logits);
    }

    /// <summary>The one packed sequence in <paramref name="s"/> forward, on two threads when the predictor splits sequences and its helper is free.</summary>
    private void ForwardOne(Scratch s)
    {
        var split = _split;
        if (split is not null && split.TryEnter())
        {
            try { _network.Forward(s.Workspace, s.Batch.Shard(0), training: false, 0, split); }
            finally { split.Exit(); }
        }
        else
        {
            _network.Forward(s.Workspace, s.Batch.Shard(0), training: false, 0);
        }
    }

    private void CheckLogits(Span<float> logits, int count)
    {
        if (!logits.IsEmpty && logits.Length < (long)count * LogitCount)
            throw new ArgumentException($"Expected room for {count} × {LogitCount} logits; got {logits.Length}.", nameof(logits));
    }

    private void CheckOutput(Span<float> probabilities)
    {
        if (probabilities.Length < NumberOfClasses)
            throw new ArgumentException($"Expected room for {NumberOfClasses} probabilities; got {probabilities.Length}.", nameof(probabilities));
    }

    private static void CheckFeatures(ReadOnlySpan<float> features, int f, int index)
    {
        if (features.Length % f != 0)
            throw new ArgumentException($"Sequence {index} has {features.Length} values; expected a multiple of FeaturesPerStep = {f}.", nameof(features));
        // MaxMagnitude is vectorized and NaN-propagating: one fast pass, and the scalar search only when it fails.
        if (features.IsEmpty || float.IsFinite(TensorPrimitives.MaxMagnitude(features))) return;
        for (int k = 0; k < features.Length; k++)
            if (!float.IsFinite(features[k])) throw new ArgumentException($"Sequence {index}, value {k} is {features[k]}; expected a finite number.", nameof(features));
    }
}
