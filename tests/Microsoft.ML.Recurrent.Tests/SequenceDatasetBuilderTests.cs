using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>The typed seam the ML.NET layer fills the engine through.</summary>
public class SequenceDatasetBuilderTests
{
    [Fact]
    public void Token_rows_build_the_same_dataset_as_FromTokens()
    {
        int[][] rows = [[2, 3, 4], [], [5]];
        var builder = SequenceDatasetBuilder.ForTokens();
        builder.AddTokens(rows[0], 1, 0.5f);
        builder.AddTokens(rows[1], 0);
        builder.AddTokens(rows[2], 2, 2f);
        var built = builder.Build();
        var expected = SequenceDataset.FromTokens(rows, [1, 0, 2], [0.5f, 1f, 2f]);
        Assert.Equal(expected.Count, built.Count);
        Assert.Equal(expected.LabelList, built.LabelList);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(expected.LengthOf(i), built.LengthOf(i));
        Assert.Equal(0, builder.Count); // reusable
    }

    [Fact]
    public void Feature_rows_keep_their_steps_and_bad_rows_are_rejected_with_the_reason()
    {
        var builder = SequenceDatasetBuilder.ForFeatures(2);
        builder.AddFeatures([1f, 2f, 3f, 4f], 0);
        builder.AddFeatures([5f, 6f], 1);
        Assert.Contains("multiple of featuresPerStep = 2", Assert.Throws<ArgumentException>(() => builder.AddFeatures([1f, 2f, 3f], 0)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => builder.AddFeatures([1f, float.NaN], 0)).Message);
        Assert.Throws<InvalidOperationException>(() => builder.AddTokens([1], 0));
        var data = builder.Build();
        Assert.Equal(2, data.Count);
        Assert.Equal(2, data.LengthOf(0));
        Assert.Equal(1, data.LengthOf(1));
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => SequenceDatasetBuilder.ForTokens().AddTokens([-1], 0)).Message);
    }
}
