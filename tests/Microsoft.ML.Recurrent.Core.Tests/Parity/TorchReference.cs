using System.Text.Json;

namespace Microsoft.ML.Recurrent.Tests.Parity;

/// <summary>One case of Reference/torch_reference.json (see Reference/README.md), with the batch re-sorted longest first.</summary>
public sealed class TorchCase
{
    public required string Name { get; init; }
    public required RecurrentArchitecture Architecture { get; init; }
    public required int Batch { get; init; }
    public required int MaxLength { get; init; }
    public required int[] Lengths { get; init; }
    public required int[] Labels { get; init; }
    public double[]? Targets { get; init; }       // [B, K], regression cases
    public RegressionLoss RegressionLoss { get; init; }
    public float HuberDelta { get; init; } = 1f;
    public float[]? Input { get; init; }          // [B, T, I]
    public int[]? Tokens { get; init; }           // [B, T]
    public required Dictionary<string, double[]> Params { get; init; }
    public required Dictionary<string, double[]> Grads { get; init; }
    public required double[] Outputs { get; init; }  // [B, T, D]
    public required double[] Pooled { get; init; }   // [B, D]
    public required double[] Logits { get; init; }   // [B, C]
    public required double Loss { get; init; }

    public override string ToString() => Name;
}

public static class TorchReference
{
    private static readonly Lazy<IReadOnlyList<TorchCase>> Cases = new(Load);

    public static IReadOnlyList<TorchCase> All => Cases.Value;

    public static TorchCase Get(string name) => All.Single(c => c.Name == name);

    public static IEnumerable<object[]> Names() => All.Select(c => new object[] { c.Name });

    private static IReadOnlyList<TorchCase> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Reference", "torch_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var list = new List<TorchCase>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string cell = c.GetProperty("cell").GetString()!;
            int classes = c.GetProperty("num_classes").GetInt32();
            bool tokens = c.TryGetProperty("tokens", out var tokenElement);
            bool regression = c.TryGetProperty("task", out var task) && task.GetString() == "regression";
            var arch = new RecurrentArchitecture
            {
                Cell = cell switch { "lstm" => RecurrentCellType.Lstm, "gru" => RecurrentCellType.Gru, _ => RecurrentCellType.Rnn },
                RnnActivation = cell == "rnn_relu" ? RnnActivation.Relu : RnnActivation.Tanh,
                InputKind = tokens ? SequenceInputKind.Tokens : SequenceInputKind.Features,
                VocabularySize = tokens ? c.GetProperty("vocab_size").GetInt32() : 0,
                EmbeddingSize = c.GetProperty("input_size").GetInt32(),
                FeaturesPerStep = tokens ? 0 : c.GetProperty("input_size").GetInt32(),
                HiddenSize = c.GetProperty("hidden_size").GetInt32(),
                NumberOfLayers = c.GetProperty("num_layers").GetInt32(),
                Bidirectional = c.GetProperty("bidirectional").GetBoolean(),
                Pooling = c.GetProperty("pooling").GetString() switch { "last" => SequencePooling.Last, "mean" => SequencePooling.Mean, _ => SequencePooling.Max },
                Classification = regression ? ClassificationKind.Regression : classes == 1 ? ClassificationKind.Binary : ClassificationKind.Multiclass,
                NumberOfClasses = classes == 1 || regression ? 2 : classes,
                NumberOfOutputs = regression ? classes : 1,
            };
            list.Add(new TorchCase
            {
                Name = c.GetProperty("name").GetString()!,
                Architecture = arch,
                Batch = c.GetProperty("batch").GetInt32(),
                MaxLength = c.GetProperty("max_len").GetInt32(),
                Lengths = Ints(c.GetProperty("lengths")),
                Labels = regression ? new int[c.GetProperty("batch").GetInt32()] : Ints(c.GetProperty("labels")),
                Targets = regression ? Doubles(c.GetProperty("targets")) : null,
                RegressionLoss = !regression ? default : c.GetProperty("regression_loss").GetString() switch
                {
                    "mse" => RegressionLoss.SquaredError, "huber" => RegressionLoss.Huber, "l1" => RegressionLoss.Absolute,
                    var other => throw new InvalidDataException($"Unknown regression loss '{other}'."),
                },
                HuberDelta = regression ? (float)c.GetProperty("huber_delta").GetDouble() : 1f,
                Input = tokens ? null : Doubles(c.GetProperty("input")).Select(v => (float)v).ToArray(),
                Tokens = tokens ? Ints(tokenElement) : null,
                Params = Map(c.GetProperty("params")),
                Grads = Map(c.GetProperty("grads")),
                Outputs = Doubles(c.GetProperty("outputs")),
                Pooled = Doubles(c.GetProperty("pooled")),
                Logits = Doubles(c.GetProperty("logits")),
                Loss = c.GetProperty("loss").GetDouble(),
            });
        }
        return list;
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
    private static Dictionary<string, double[]> Map(JsonElement e) => e.EnumerateObject().ToDictionary(p => p.Name, p => Doubles(p.Value));
}
