using System.Globalization;
using System.Text;
using Xunit;

namespace Microsoft.ML.Recurrent.Samples.Tests;

public class MnistDigitsTests
{
    /// <summary>Writes src/digits/&lt;label&gt;.json like the npm package: label + 1 images per label, pixel i of image k = ((label + k + i) % 4) / 4.</summary>
    private static void WritePackage(TempDirectory temp)
    {
        for (int label = 0; label <= 9; label++)
        {
            var values = new List<string>();
            for (int image = 0; image <= label; image++)
            {
                for (int i = 0; i < MnistDigits.PixelCount; i++)
                {
                    values.Add((((label + image + i) % 4) / 4.0).ToString(CultureInfo.InvariantCulture));
                }
            }

            temp.WriteFile($"package/src/digits/{label}.json", Encoding.UTF8.GetBytes("{ \"data\": [" + string.Join(',', values) + "] }"));
        }
    }

    [Fact]
    public void Load_ParsesThePackageFormat_WithStratifiedSplit()
    {
        using var temp = new TempDirectory();
        WritePackage(temp);

        IReadOnlyList<MnistDigit> digits = MnistDigits.Load(temp.Combine("package"));

        Assert.Equal(55, digits.Count); // 1 + 2 + ... + 10
        Assert.All(digits, digit => Assert.Equal(784, digit.Pixels.Length));
        MnistDigit seven = digits.Where(d => d.Label == 7).ElementAt(2);
        Assert.Equal(((7 + 2 + 30) % 4) / 4f, seven.Pixels[30]);
        Assert.Equal(((7 + 2 + (27 * 28) + 1) % 4) / 4f, seven.Pixels[(27 * 28) + 1]); // Row-major: row 27, column 1.
        // Every 5th digit within a label (positions 4, 9, ...) is test.
        Assert.Equal([false, false, false, false, true, false, false, false, false, true], digits.Where(d => d.Label == 9).Select(d => d.IsTest));
        Assert.Equal(digits.Count(d => d.IsTest), Enumerable.Range(0, 10).Sum(label => (label + 1) / 5));
    }

    [Fact]
    public void Load_AcceptsAFolderOfDigitFiles()
    {
        using var temp = new TempDirectory();
        WritePackage(temp);

        Assert.Equal(55, MnistDigits.Load(temp.Combine("package", "src", "digits")).Count);
    }

    [Theory]
    [InlineData("{ \"data\": [0, 1, 0.5] }")]
    [InlineData("{ \"other\": [] }")]
    [InlineData("[1, 2, 3]")]
    [InlineData("not json")]
    public void ParseDigitFile_RejectsMalformedFiles(string json) =>
        Assert.Throws<InvalidDataException>(() => MnistDigits.ParseDigitFile(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json"));

    [Fact]
    public void ParseDigitFile_RejectsOutOfRangePixels()
    {
        string json = "{ \"data\": [" + string.Join(',', Enumerable.Repeat("2", MnistDigits.PixelCount)) + "] }";

        Assert.Throws<InvalidDataException>(() => MnistDigits.ParseDigitFile(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json"));
    }

    [Fact]
    public void Load_MissingDigitFile_Throws()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("0.json", Encoding.UTF8.GetBytes("{ \"data\": [" + string.Join(',', Enumerable.Repeat("0", MnistDigits.PixelCount)) + "] }"));

        var exception = Assert.Throws<InvalidDataException>(() => MnistDigits.Load(temp.Path));
        Assert.Contains("1.json", exception.Message);
    }
}
