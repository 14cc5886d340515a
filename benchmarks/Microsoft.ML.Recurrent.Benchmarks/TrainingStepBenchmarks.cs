using BenchmarkDotNet.Attributes;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// One whole training step (pack, forward, backward, gradient sum, clip, Adam, refresh) of LSTM and GRU on 1 and 2
/// threads, for both configurations: "seq28" (T = 28, input 28, hidden 128, batch 64) and "text200" (T = 200,
/// embedding 64 over 20,000 tokens, batch 32). Allocated should read 0 B.
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    [Params("seq28", "text200")]
    public string Config { get; set; } = "seq28";

    [Params(RecurrentCellType.Lstm, RecurrentCellType.Gru)]
    public RecurrentCellType Cell { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private CyclingTrainingStep? _step;

    [GlobalSetup]
    public void Setup()
    {
        _step = Config == "text200"
            ? new CyclingTrainingStep(Workloads.Text(Cell), Workloads.TextData(4 * Workloads.TextBatch), Workloads.TextBatch, Threads)
            : new CyclingTrainingStep(Workloads.Sequence(Cell), Workloads.SequenceData(8 * Workloads.SeqBatch), Workloads.SeqBatch, Threads);
        for (int i = 0; i < 3; i++) _step.Run();  // grow workspaces
    }

    [GlobalCleanup]
    public void Cleanup() => _step?.Dispose();

    [Benchmark]
    public double Step() => _step!.Run();
}
