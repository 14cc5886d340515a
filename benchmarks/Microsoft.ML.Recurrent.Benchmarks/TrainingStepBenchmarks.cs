using BenchmarkDotNet.Attributes;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// One whole training step (pack, forward, backward, gradient sum, clip, Adam, refresh) of LSTM and GRU at the
/// T = 28, input 28, hidden 128, batch 64 configuration, on 1 and 2 threads. Allocated should read 0 B.
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    [Params(RecurrentCellType.Lstm, RecurrentCellType.Gru)]
    public RecurrentCellType Cell { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private CyclingTrainingStep? _step;

    [GlobalSetup]
    public void Setup()
    {
        _step = new CyclingTrainingStep(Workloads.Sequence(Cell), Workloads.SequenceData(8 * Workloads.SeqBatch), Workloads.SeqBatch, Threads);
        for (int i = 0; i < 3; i++) _step.Run();  // grow workspaces
    }

    [GlobalCleanup]
    public void Cleanup() => _step?.Dispose();

    [Benchmark]
    public double Step() => _step!.Run();
}

/// <summary>The same for the text configuration (T = 200, embedding 64 over 20,000 tokens, batch 32).</summary>
[MemoryDiagnoser]
public class TextTrainingStepBenchmarks
{
    [Params(RecurrentCellType.Lstm, RecurrentCellType.Gru)]
    public RecurrentCellType Cell { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private CyclingTrainingStep? _step;

    [GlobalSetup]
    public void Setup()
    {
        _step = new CyclingTrainingStep(Workloads.Text(Cell), Workloads.TextData(4 * Workloads.TextBatch), Workloads.TextBatch, Threads);
        for (int i = 0; i < 2; i++) _step.Run();
    }

    [GlobalCleanup]
    public void Cleanup() => _step?.Dispose();

    [Benchmark]
    public double Step() => _step!.Run();
}
