using BenchmarkDotNet.Attributes;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Scoring through the public <see cref="RecurrentPredictor"/>: one sequence (batch 1, T = 28, input 28, hidden 128)
/// and 64 sequences at once, in fp32 and in the opt-in int8 mode. Steady state must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    [Params(RecurrentCellType.Lstm, RecurrentCellType.Gru)]
    public RecurrentCellType Cell { get; set; }

    [Params(InferencePrecision.Float32, InferencePrecision.Int8)]
    public InferencePrecision Precision { get; set; }

    private RecurrentPredictor? _predictor;
    private float[] _one = [];
    private float[][] _many = [];
    private float[] _probs = [], _manyProbs = [];

    [GlobalSetup]
    public void Setup()
    {
        _predictor = Workloads.RandomModel(Workloads.Sequence(Cell)).CreatePredictor(new PredictorOptions { Precision = Precision });
        var rng = new Random(5);
        _many = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, Workloads.SeqSteps * Workloads.SeqFeatures)
            .Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        _one = _many[0];
        _probs = new float[Workloads.SeqClasses];
        _manyProbs = new float[64 * Workloads.SeqClasses];
        SingleSequence();
        Batch64();
    }

    [Benchmark]
    public void SingleSequence() => _predictor!.PredictProbabilities(_one, _probs);

    [Benchmark(OperationsPerInvoke = 64)]
    public void Batch64() => _predictor!.PredictProbabilities(_many, _manyProbs);
}
