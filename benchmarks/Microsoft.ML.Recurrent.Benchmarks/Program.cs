using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Microsoft.ML.Recurrent.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>speed [--threads 1,2] [--seconds 3] [--only train,infer,floor,sgemm] [--precision fp32,int8] [--cells lstm,gru] [--configs seq28,text200]</c>
    /// (also infer64, transform, block, lowp, peak, trainloop, sgemmitem, kernels, trainbits: not in the default run; infer and
    /// infer64 print an "_int8" line for InferencePrecision.Int8): JSON lines for eng/speed-vs-pytorch.sh and eng/speed-vs-peers.sh.
    /// Anything else goes to BenchmarkDotNet (e.g. <c>--filter '*'</c>, <c>--list flat</c>).
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "speed") return Speed.Run(args[1..]);
        // Short job: a full run of every class takes minutes, not hours. Results are for relative comparisons.
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8).WithId("Short"))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }
}
