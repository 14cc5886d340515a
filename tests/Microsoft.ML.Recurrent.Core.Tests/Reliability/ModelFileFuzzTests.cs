using System.Buffers.Binary;
using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Model;
using Microsoft.ML.Recurrent.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Tests.Reliability;

/// <summary>
/// Fuzzing the engine model file (docs/model-format.md; issue #11): over 10,000 mutations of three models —
/// every truncation, bit flips with and without the checksum recomputed, hostile values in every header field and
/// count, overwritten ranges — each must fail with <see cref="InvalidDataException"/> or (only when the checksum was
/// recomputed) load into a model that predicts finite probabilities; no load may allocate more than a small multiple
/// of the file or take more than a (generous, hang-catching) ceiling.
/// </summary>
[Collection(nameof(SerialAllocationTests))]
public class ModelFileFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadTimeBound = TimeSpan.FromSeconds(5);

    public static TheoryData<string> Models => new() { "tokens-lstm-peephole-bidirectional", "features-gru-2-layers", "tokens-rnn-multiclass" };

    private static RecurrentModel Make(string name)
    {
        var a = name switch
        {
            "tokens-lstm-peephole-bidirectional" => new RecurrentArchitecture
            {
                Cell = RecurrentCellType.Lstm, Peephole = true, Bidirectional = true, InputKind = SequenceInputKind.Tokens, VocabularySize = 12,
                EmbeddingSize = 5, HiddenSize = 6, Classification = ClassificationKind.Binary, Pooling = SequencePooling.Max,
            },
            "features-gru-2-layers" => new RecurrentArchitecture
            {
                Cell = RecurrentCellType.Gru, GruReset = GruResetMode.BeforeRecurrentProduct, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3,
                HiddenSize = 5, NumberOfLayers = 2, Dropout = 0.25f, NumberOfClasses = 4, Pooling = SequencePooling.Mean,
            },
            _ => new RecurrentArchitecture
            {
                Cell = RecurrentCellType.Rnn, RnnActivation = RnnActivation.Relu, InputKind = SequenceInputKind.Tokens, VocabularySize = 20,
                EmbeddingSize = 4, HiddenSize = 7, NumberOfClasses = 3,
            },
        };
        var rng = new Random(name.Length);
        int count = (int)ParameterLayout.CountParameters(a);
        var weights = Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var metadata = new Dictionary<string, string> { ["mlnet.featureColumn"] = "Tokens", ["mlnet.vocabulary"] = "[\"<pad>\",\"<unk>\",\"free\",\"prize\"]", ["note"] = "ünïcode ✓" };
        return RecurrentModel.FromParameters(a, weights, metadata);
    }

    private static byte[] Save(RecurrentModel model)
    {
        var ms = new MemoryStream();
        model.Save(ms);
        return ms.ToArray();
    }

    private static void Seal(byte[] bytes) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

    /// <summary>Offsets (and widths) of every integer field and count in the file, found by walking a valid file.</summary>
    private static List<(int Offset, int Width, string What)> Fields(byte[] bytes)
    {
        var fields = new List<(int, int, string)> { (8, 4, "version"), (12, 4, "field count") };
        for (int f = 0; f < 15; f++) fields.Add((16 + 4 * f, 4, $"architecture field {f}"));
        int at = 76;
        int tensors = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        fields.Add((at, 4, "tensor count"));
        at += 4;
        for (int t = 0; t < tensors; t++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));
            fields.Add((at, 2, "tensor name length"));
            at += 2 + nameLength;
            int rank = bytes[at];
            fields.Add((at, 1, "tensor rank"));
            at += 1;
            for (int d = 0; d < rank; d++) { fields.Add((at, 4, "tensor dimension")); at += 4; }
        }
        long parameters = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
        fields.Add((at, 8, "parameter count"));
        at += 8 + 4 * (int)parameters;
        int entries = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
        fields.Add((at, 4, "metadata count"));
        at += 4;
        for (int e = 0; e < 2 * entries; e++)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            fields.Add((at, 4, "metadata string length"));
            at += 4 + length;
        }
        Assert.Equal(bytes.Length - 4, at);
        return fields;
    }

    private static readonly long[] HostileValues =
        [0, 1, 2, 3, -1, -2, 255, 256, 65535, 65536, 65537, 8192, 8193, 1 << 24, (1 << 24) + 1, 1 << 30, int.MaxValue, int.MinValue, uint.MaxValue, 2_000_000_000, long.MaxValue, long.MinValue, 1L << 40];

    private sealed class Tally
    {
        public int Mutations, Rejected, Loaded;
        public long WorstAllocation;
        public TimeSpan WorstTime;
    }

    /// <summary>Loads one mutated file; asserts the outcome and the bounds.</summary>
    private static void Check(byte[] mutated, bool sealedAgain, string what, Tally tally, int originalLength)
    {
        tally.Mutations++;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        RecurrentModel? model = null;
        Exception? error = null;
        try { model = RecurrentModel.Load(new MemoryStream(mutated, writable: false)); }
        catch (Exception e) { error = e; }
        var time = clock.Elapsed;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        tally.WorstAllocation = Math.Max(tally.WorstAllocation, allocated);
        if (time > tally.WorstTime) tally.WorstTime = time;
        // The file bytes, the weights, the metadata strings (UTF-16) and the layout: a small multiple of the file.
        Assert.True(allocated <= 6L * Math.Max(mutated.Length, originalLength) + (256 << 10), $"{what}: loading allocated {allocated} bytes for a {mutated.Length}-byte file");
        Assert.True(time < LoadTimeBound, $"{what}: loading took {time.TotalSeconds:F1} s");
        if (error is not null)
        {
            Assert.True(error is InvalidDataException, $"{what}: {error.GetType().Name}: {error.Message}");
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            tally.Rejected++;
            return;
        }
        Assert.True(sealedAgain, $"{what}: a mutation with a wrong checksum loaded");
        tally.Loaded++;
        // What loads is a valid model: it predicts finite probabilities that sum to 1.
        var a = model!.Architecture;
        float[] p = a.InputKind == SequenceInputKind.Tokens
            ? model.PredictProbabilities(new[] { 2, 3, 1, 0 % a.VocabularySize + 1 })
            : model.PredictProbabilities(Enumerable.Range(0, 4 * a.FeaturesPerStep).Select(i => (float)Math.Sin(i)).ToArray());
        Assert.True(p.All(x => float.IsNaN(x) || x is >= 0 and <= 1), $"{what}: probabilities {string.Join(", ", p)}");
        // Finite weights can still be extreme (one exponent-bit flip turns 0.3 into 1e38, whose logits overflow): only
        // weights of a plausible size must give proper probabilities.
        float largest = TensorPrimitives.MaxMagnitude(model.Parameters.Span);
        if (Math.Abs(largest) < 100f)
        {
            Assert.True(p.All(float.IsFinite), $"{what}: probabilities {string.Join(", ", p)} with weights up to {largest}");
            Assert.Equal(1.0, p.Sum(x => (double)x), 3);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void MutatedModelFilesFailWithInvalidDataExceptionWithinBounds(string name)
    {
        byte[] original = Save(Make(name));
        var fields = Fields(original);
        var rng = new Random(name.Sum(c => c));  // string.GetHashCode is randomised per process
        var tally = new Tally();

        // 1. Every truncation, and the file with bytes appended.
        for (int n = 0; n < original.Length; n++) Check(original[..n], false, $"truncated to {n}", tally, original.Length);
        for (int n = 1; n <= 16; n++) Check([.. original, .. new byte[n]], false, $"{n} bytes appended", tally, original.Length);

        // 2. Bit flips, checksum left as it is: the CRC catches every one.
        for (int i = 0; i < 1000; i++)
        {
            byte[] copy = (byte[])original.Clone();
            for (int k = 1 + rng.Next(3); k > 0; k--) { int bit = rng.Next(copy.Length * 8); copy[bit / 8] ^= (byte)(1 << (bit % 8)); }
            if (copy.AsSpan().SequenceEqual(original)) continue;
            Check(copy, false, $"bit flips #{i}", tally, original.Length);
        }

        // 3. Bit flips with the checksum recomputed: the field checks must catch what matters.
        for (int i = 0; i < 1000; i++)
        {
            byte[] copy = (byte[])original.Clone();
            int at = rng.Next(copy.Length - 4);
            copy[at] ^= (byte)(1 << rng.Next(8));
            Seal(copy);
            Check(copy, true, $"bit flip at {at}, CRC recomputed", tally, original.Length);
        }

        // 4. Hostile values in every integer field and count, checksum recomputed.
        foreach (var (offset, width, what) in fields)
            foreach (long value in HostileValues)
            {
                byte[] copy = (byte[])original.Clone();
                var span = copy.AsSpan(offset, width);
                switch (width)
                {
                    case 1: span[0] = (byte)value; break;
                    case 2: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
                    case 4: BinaryPrimitives.WriteInt32LittleEndian(span, (int)value); break;
                    default: BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
                }
                Seal(copy);
                Check(copy, true, $"{what} at {offset} = {value}", tally, original.Length);
            }

        // 5. Random ranges overwritten with random bytes, checksum recomputed.
        for (int i = 0; i < 300; i++)
        {
            byte[] copy = (byte[])original.Clone();
            int at = rng.Next(copy.Length - 4), length = Math.Min(1 + rng.Next(32), copy.Length - 4 - at);
            rng.NextBytes(copy.AsSpan(at, length));
            Seal(copy);
            Check(copy, true, $"{length} random bytes at {at}, CRC recomputed", tally, original.Length);
        }

        output.WriteLine($"{name}: {original.Length}-byte file, {tally.Mutations} mutations: {tally.Rejected} rejected with InvalidDataException, " +
            $"{tally.Loaded} (checksum recomputed) loaded as valid models; worst load {tally.WorstAllocation} bytes, {tally.WorstTime.TotalMilliseconds:F1} ms");
        Assert.True(tally.Mutations >= 3400, $"only {tally.Mutations} mutations");
    }
}
