namespace Microsoft.ML.Recurrent.Tests;

/// <summary>A text message with a Boolean label (spam).</summary>
public sealed class TextRow
{
    public string Text { get; set; } = "";
    public bool Label { get; set; }
    public float Weight { get; set; } = 1;
}

/// <summary>The same 4 × 4 image with its shape in the column type: [4, 4] (4 steps of 4 values).</summary>
public sealed class ShapedImageRow
{
    [Microsoft.ML.Data.VectorType(4, 4)]
    public float[] Pixels { get; set; } = [];
    public bool Label { get; set; }
}

/// <summary>A text message with a string class (for MapValueToKey).</summary>
public sealed class TopicRow
{
    public string Text { get; set; } = "";
    public string Topic { get; set; } = "";
}

/// <summary>A dense series with a string class.</summary>
public sealed class SeriesRow
{
    [Microsoft.ML.Data.VectorType(SyntheticData.SeriesSteps * 2)]
    public float[] Values { get; set; } = [];
    public string Shape { get; set; } = "";
}

/// <summary>A 4 × 4 "image" with a Boolean label.</summary>
public sealed class ImageRow
{
    [Microsoft.ML.Data.VectorType(16)]
    public float[] Pixels { get; set; } = [];
    public bool Label { get; set; }
}

public sealed class BinaryPrediction
{
    public float Score { get; set; }
    public float Probability { get; set; }
    public bool PredictedLabel { get; set; }
}

public sealed class MulticlassPrediction
{
    public float[] Score { get; set; } = [];
    public uint PredictedLabel { get; set; }
}

/// <summary>Small, learnable, deterministic data sets.</summary>
public static class SyntheticData
{
    public const int SeriesSteps = 8;

    private static readonly string[] Neutral =
    [
        "the", "meeting", "is", "at", "noon", "please", "see", "attached", "report", "thanks", "for", "your", "help", "with",
        "project", "we", "will", "discuss", "budget", "tomorrow", "lunch", "team", "update", "notes", "schedule", "call",
    ];

    private static readonly string[] SpamWords = ["free", "winner", "prize", "cash", "click"];

    /// <summary>Spam rows contain one or two spam words among neutral ones; ham rows only neutral words.</summary>
    public static List<TextRow> Spam(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<TextRow>(count);
        for (int i = 0; i < count; i++)
        {
            bool spam = rng.Next(2) == 0;
            int length = rng.Next(4, 12);
            var words = new List<string>();
            for (int t = 0; t < length; t++) words.Add(Neutral[rng.Next(Neutral.Length)]);
            if (spam)
            {
                int n = 1 + rng.Next(2);
                for (int k = 0; k < n; k++) words.Insert(rng.Next(words.Count + 1), SpamWords[rng.Next(SpamWords.Length)]);
            }
            rows.Add(new TextRow { Text = string.Join(' ', words), Label = spam });
        }
        return rows;
    }

    private static readonly string[][] TopicWords =
    [
        ["goal", "match", "team", "score", "league", "coach"],
        ["vote", "election", "senate", "policy", "minister", "party"],
        ["software", "chip", "cloud", "robot", "startup", "code"],
    ];

    public static readonly string[] Topics = ["sports", "politics", "tech"];

    /// <summary>Each row has two or three words of its topic among neutral words.</summary>
    public static List<TopicRow> Topic(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<TopicRow>(count);
        for (int i = 0; i < count; i++)
        {
            int topic = rng.Next(3);
            var words = new List<string>();
            int length = rng.Next(3, 9);
            for (int t = 0; t < length; t++) words.Add(Neutral[rng.Next(Neutral.Length)]);
            int n = 2 + rng.Next(2);
            for (int k = 0; k < n; k++) words.Insert(rng.Next(words.Count + 1), TopicWords[topic][rng.Next(TopicWords[topic].Length)]);
            rows.Add(new TopicRow { Text = string.Join(' ', words), Topic = Topics[topic] });
        }
        return rows;
    }

    public static readonly string[] Shapes = ["rising", "falling", "flat"];

    /// <summary>Two features per step: a noisy level that rises, falls or stays flat, and pure noise.</summary>
    public static List<SeriesRow> Series(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<SeriesRow>(count);
        for (int i = 0; i < count; i++)
        {
            int shape = rng.Next(3);
            float slope = shape switch { 0 => 0.3f, 1 => -0.3f, _ => 0f };
            float start = (float)(rng.NextDouble() - 0.5);
            var values = new float[SeriesSteps * 2];
            for (int t = 0; t < SeriesSteps; t++)
            {
                values[2 * t] = start + slope * t + (float)(rng.NextDouble() - 0.5) * 0.2f;
                values[2 * t + 1] = (float)(rng.NextDouble() - 0.5);
            }
            rows.Add(new SeriesRow { Values = values, Shape = Shapes[shape] });
        }
        return rows;
    }

    /// <summary>4 × 4 images: one bright row; the label says whether it is in the top half.</summary>
    public static List<ImageRow> Images(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<ImageRow>(count);
        for (int i = 0; i < count; i++)
        {
            int bright = rng.Next(4);
            var pixels = new float[16];
            for (int k = 0; k < 16; k++) pixels[k] = (float)rng.NextDouble() * 0.3f;
            for (int c = 0; c < 4; c++) pixels[bright * 4 + c] = 0.7f + (float)rng.NextDouble() * 0.3f;
            rows.Add(new ImageRow { Pixels = pixels, Label = bright < 2 });
        }
        return rows;
    }

    public static List<ShapedImageRow> ShapedImages(int count, int seed)
        => Images(count, seed).ConvertAll(r => new ShapedImageRow { Pixels = r.Pixels, Label = r.Label });
}
