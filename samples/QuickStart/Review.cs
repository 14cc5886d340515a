namespace QuickStart;

/// <summary>One review: its text and whether it is positive (the label).</summary>
public sealed class Review
{
    public string Text { get; set; } = "";

    public bool Label { get; set; }

    /// <summary>64 short reviews made in code: 8 templates × 4 positive and 4 negative words.</summary>
    public static IEnumerable<Review> Examples()
    {
        string[] templates = ["the movie was {0}", "a {0} film", "{0} acting and a {0} plot", "i found it {0}",
                              "what a {0} story", "the ending was {0}", "honestly {0} from start to finish", "{0} , really {0}"];
        string[] positive = ["wonderful", "great", "brilliant", "delightful"];
        string[] negative = ["awful", "boring", "dull", "terrible"];
        foreach (string template in templates)
        {
            foreach (string word in positive)
            {
                yield return new Review { Text = string.Format(template, word), Label = true };
            }

            foreach (string word in negative)
            {
                yield return new Review { Text = string.Format(template, word), Label = false };
            }
        }
    }
}

/// <summary>The columns the binary classifier adds.</summary>
public sealed class ReviewPrediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }

    public float Score { get; set; }
}
