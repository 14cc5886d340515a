using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Data;
using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Tests.Reliability;

/// <summary>
/// The recurrent classifier's payload inside ML.NET model zips (issue #11, items 2, 3 and 4): one source of truth
/// (the CRC-protected engine model), hostile counts rejected before allocating, every corruption an
/// <see cref="InvalidDataException"/> at load time, and zips saved by the first format still loading.
/// </summary>
public sealed class ZipPayloadTests(SpamModelFixture spam, ITestOutputHelper output) : IClassFixture<SpamModelFixture>
{
    private const uint FirstFormat = 0x00010001, EngineModelOnly = 0x00010002, Magic = 0x4C434E52;

    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Reliability", "Fixtures", name);

    private byte[] SpamZip()
    {
        var ms = new MemoryStream();
        spam.Context.Model.Save(spam.Model, spam.Train.Schema, ms);
        return ms.ToArray();
    }

    internal static Exception? TryLoad(byte[] zip, out ITransformer? model)
    {
        model = null;
        try
        {
            model = new MLContext().Model.Load(new MemoryStream(zip, writable: false), out _);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    internal static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException a)
                foreach (var inner in a.InnerExceptions.SelectMany(Chain)) yield return inner;
        }
    }

    /// <summary>The load failed with our <see cref="InvalidDataException"/> somewhere in ML.NET's wrapping; returns it.</summary>
    internal static InvalidDataException AssertInvalidData(Exception? e, string because)
    {
        Assert.True(e is not null, $"{because}: the model loaded");
        var found = Chain(e!).OfType<InvalidDataException>().FirstOrDefault();
        Assert.True(found is not null, $"{because}: expected InvalidDataException, got {string.Join(" <- ", Chain(e!).Select(x => $"{x.GetType().Name}: {x.Message}"))}");
        return found!;
    }

    // ----- the current format -----

    [Fact]
    public void The_payload_is_only_the_engine_model_and_its_metadata_describes_the_transformer()
    {
        var zip = ModelZip.Read(SpamZip());
        Assert.Equal(EngineModelOnly, zip.PayloadVersion);
        var payload = zip.Payload;
        Assert.Equal(Magic, BinaryPrimitives.ReadUInt32LittleEndian(payload));
        Assert.Equal(payload.Length - 12, BinaryPrimitives.ReadInt64LittleEndian(payload[4..]));

        var engine = RecurrentModel.Load(new MemoryStream(payload[12..].ToArray()));
        var xf = spam.Model.LastTransformer;
        Assert.Equal(xf.Model.Parameters.ToArray(), engine.Parameters.ToArray());
        Assert.Equal(xf.Model.Architecture, engine.Architecture);
        Assert.Equal(JsonSerializer.Serialize(xf.Vocabulary), engine.Metadata["mlnet.vocabulary"]);
        Assert.Equal(xf.MaxSequenceLength.ToString(), engine.Metadata["mlnet.maxSequenceLength"]);
        Assert.Equal(xf.FeatureColumnName, engine.Metadata["mlnet.featureColumn"]);
        Assert.Equal("Text", engine.Metadata["mlnet.inputKind"]);
    }

    // ----- zips saved by the first format (fixtures written by the code before this change) -----

    [Theory]
    [InlineData("v1-text-binary-lstm")]
    [InlineData("v1-key-multiclass-gru")]
    [InlineData("v1-float-multiclass-rnn")]
    public void Zips_saved_by_the_first_format_load_and_predict_as_they_did(string name)
    {
        byte[] bytes = File.ReadAllBytes(FixturePath(name + ".zip"));
        Assert.Equal(FirstFormat, ModelZip.Read(bytes).PayloadVersion);
        Assert.Null(TryLoad(bytes, out var model));
        var ml = new MLContext();
        string expected = File.ReadAllText(FixturePath(name + ".json"));
        switch (name)
        {
            case "v1-text-binary-lstm":
                var scores = model!.Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(20, seed: 5))).GetColumn<float>("Score").ToArray();
                AssertClose(JsonSerializer.Deserialize<float[]>(expected)!, scores);
                break;
            case "v1-key-multiclass-gru":
                var topics = model!.Transform(ml.Data.LoadFromEnumerable(SyntheticData.Topic(20, seed: 6)));
                AssertClose(JsonSerializer.Deserialize<float[][]>(expected)!.SelectMany(x => x).ToArray(), TestUtil.VectorColumn(topics, "Score").SelectMany(x => x).ToArray());
                break;
            default:
                var series = model!.Transform(ml.Data.LoadFromEnumerable(SyntheticData.Series(20, seed: 7)));
                AssertClose(JsonSerializer.Deserialize<float[][]>(expected)!.SelectMany(x => x).ToArray(), TestUtil.VectorColumn(series, "Score").SelectMany(x => x).ToArray());
                break;
        }

        // Saved again, it is written in the current format and predicts the same.
        var again = new MemoryStream();
        ml.Model.Save(model, null, again);
        Assert.Equal(EngineModelOnly, ModelZip.Read(again.ToArray()).PayloadVersion);
        Assert.Null(TryLoad(again.ToArray(), out _));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }

    /// <summary>The first format's payload, parsed (by this trusted test code) so single fields can be changed.</summary>
    private sealed class FirstFormatPayload
    {
        public byte Task, Kind;
        public string FeatureColumn = "";
        public int MaxSteps, FeaturesPerStep;
        public string[]? Vocabulary;
        public ulong KeyCount;
        public string[]? ClassNames;
        public byte[] Engine = [];
        public long? EngineLengthOverride;
        public int? VocabularyCountOverride;

        public static FirstFormatPayload Parse(ReadOnlySpan<byte> payload)
        {
            var r = new BinaryReader(new MemoryStream(payload.ToArray()));
            Assert.Equal(Magic, r.ReadUInt32());
            var p = new FirstFormatPayload { Task = r.ReadByte(), Kind = r.ReadByte(), FeatureColumn = r.ReadString(), MaxSteps = r.ReadInt32(), FeaturesPerStep = r.ReadInt32() };
            if (p.Kind == 0) p.Vocabulary = Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToArray();
            else if (p.Kind == 1) p.KeyCount = r.ReadUInt64();
            int classes = r.ReadInt32();
            if (classes >= 0) p.ClassNames = Enumerable.Range(0, classes).Select(_ => r.ReadString()).ToArray();
            p.Engine = r.ReadBytes((int)r.ReadInt64());
            return p;
        }

        public byte[] ToBytes()
        {
            var ms = new MemoryStream();
            var w = new BinaryWriter(ms);
            w.Write(Magic); w.Write(Task); w.Write(Kind); w.Write(FeatureColumn); w.Write(MaxSteps); w.Write(FeaturesPerStep);
            if (Kind == 0) { w.Write(VocabularyCountOverride ?? Vocabulary!.Length); foreach (var t in Vocabulary!) w.Write(t); }
            else if (Kind == 1) w.Write(KeyCount);
            w.Write(ClassNames?.Length ?? -1);
            foreach (var c in ClassNames ?? []) w.Write(c);
            w.Write(EngineLengthOverride ?? Engine.Length);
            w.Write(Engine);
            return ms.ToArray();
        }
    }

    private static byte[] WithFirstFormatPayload(string fixture, Action<FirstFormatPayload> change)
    {
        var zip = ModelZip.Read(File.ReadAllBytes(FixturePath(fixture + ".zip")));
        var p = FirstFormatPayload.Parse(zip.Payload);
        change(p);
        zip.ReplacePayload(p.ToBytes());
        return zip.ToBytes();
    }

    /// <summary>
    /// Item 3: in the first format these fields sat beside the CRC-protected engine model and were trusted (half of
    /// the mutated zips that loaded predicted differently). Now each must agree with the engine model's checksummed
    /// metadata; item 4: FeaturesPerStep = 0 is rejected at load, not at Transform.
    /// </summary>
    [Theory]
    [InlineData("v1-text-binary-lstm", "maximum sequence length")]
    [InlineData("v1-text-binary-lstm", "feature column")]
    [InlineData("v1-text-binary-lstm", "vocabulary")]
    [InlineData("v1-text-binary-lstm", "task")]
    [InlineData("v1-key-multiclass-gru", "key count")]
    [InlineData("v1-key-multiclass-gru", "class names")]
    [InlineData("v1-float-multiclass-rnn", "features per step")]
    [InlineData("v1-float-multiclass-rnn", "features per step = 0")]
    [InlineData("v1-float-multiclass-rnn", "input kind")]
    public void First_format_fields_that_disagree_with_the_engine_model_are_rejected_at_load(string fixture, string field)
    {
        byte[] zip = WithFirstFormatPayload(fixture, p =>
        {
            switch (field)
            {
                case "maximum sequence length": p.MaxSteps += 1; break;
                case "feature column": p.FeatureColumn = "Tokenz"; break;
                case "vocabulary": (p.Vocabulary![2], p.Vocabulary[3]) = (p.Vocabulary[3], p.Vocabulary[2]); break;
                case "task": p.Task ^= 1; break;
                case "key count": p.KeyCount += 5; break;
                case "class names": p.ClassNames![0] = "football"; break;
                case "features per step": p.FeaturesPerStep = 1; break;
                case "features per step = 0": p.FeaturesPerStep = 0; break;
                case "input kind": p.Kind = 1; p.KeyCount = 10; break;
            }
        });
        var e = AssertInvalidData(TryLoad(zip, out _), field);
        output.WriteLine($"{field}: {e.Message}");
        Assert.Contains(field.Replace(" = 0", ""), e.Message);
    }

    /// <summary>Item 2: hostile counts are rejected before anything is allocated from them.</summary>
    [Theory]
    [InlineData("engine length 2,000,000,000")]
    [InlineData("engine length -1")]
    [InlineData("vocabulary count 16,777,216")]
    [InlineData("vocabulary count -5")]
    [InlineData("current format, engine length 2,000,000,000")]
    public void Hostile_counts_are_rejected_before_allocating(string mutation)
    {
        byte[] zip;
        if (mutation.StartsWith("current"))
        {
            var z = ModelZip.Read(SpamZip());
            BinaryPrimitives.WriteInt64LittleEndian(z.Payload[4..], 2_000_000_000);
            zip = z.ToBytes();
        }
        else
            zip = WithFirstFormatPayload("v1-text-binary-lstm", p =>
            {
                switch (mutation)
                {
                    case "engine length 2,000,000,000": p.EngineLengthOverride = 2_000_000_000; break;
                    case "engine length -1": p.EngineLengthOverride = -1; break;
                    case "vocabulary count 16,777,216": p.VocabularyCountOverride = 16_777_216; break;
                    case "vocabulary count -5": p.VocabularyCountOverride = -5; break;
                }
            });
        TryLoad(SpamZip(), out _);  // warm
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = TryLoad(zip, out _);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        AssertInvalidData(e, mutation);
        Assert.True(allocated < LoadAllocationBound, $"{mutation}: the failed load allocated {allocated / 1e6:F1} MB");
    }

    /// <summary>
    /// A per-load allocation ceiling for these small models: a normal load allocates a few MB (ML.NET's catalog and
    /// schema machinery); the unchecked lengths allocated 129 MB and 1.9 GB before failing.
    /// </summary>
    private const long LoadAllocationBound = 32L << 20;

    /// <summary>A per-load time ceiling that only catches hangs (a normal load takes milliseconds).</summary>
    private static readonly TimeSpan LoadTimeBound = TimeSpan.FromSeconds(10);

    // ----- fuzzing -----

    private (Exception? Error, long Allocated, TimeSpan Time) MeasuredLoad(byte[] zip)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var e = TryLoad(zip, out var model);
        if (e is null)
        {
            // A model that loads must also score (no deferred failure at Transform).
            try { model!.Transform(spam.Context.Data.LoadFromEnumerable(SyntheticData.Spam(8, seed: 9))).GetColumn<float>("Score").ToArray(); }
            catch (Exception scoring) { Assert.Fail($"A loaded model failed at scoring: {scoring}"); }
        }
        return (e, GC.GetTotalAllocatedBytes(precise: true) - before, clock.Elapsed);
    }

    /// <summary>
    /// 600 mutations of the payload inside otherwise valid zips (re-packed, so the zip's own CRC is right and the
    /// bytes reach our loader): bit flips, truncations, extensions, hostile length fields and bit flips of the engine
    /// model with its CRC recomputed. Every one must fail with <see cref="InvalidDataException"/>, except CRC-fixed
    /// engine mutations, which must fail so or load into a model that scores. Allocation and time per load bounded.
    /// </summary>
    [Fact]
    public void Fuzzed_payloads_fail_with_InvalidDataException_within_bounds()
    {
        var original = ModelZip.Read(SpamZip());
        byte[] payload = original.Payload.ToArray();
        var rng = new Random(11);
        int invalid = 0, loaded = 0;
        long worstAllocation = 0;
        TimeSpan worstTime = TimeSpan.Zero;
        for (int i = 0; i < 600; i++)
        {
            var zip = original.Clone();
            byte[] p = (byte[])payload.Clone();
            string kind;
            bool crcFixed = false;
            switch (i % 5)
            {
                case 0:
                    kind = "bit flips";
                    for (int k = 1 + rng.Next(4); k > 0; k--) { int bit = rng.Next(p.Length * 8); p[bit / 8] ^= (byte)(1 << (bit % 8)); }
                    break;
                case 1:
                    kind = "truncation";
                    p = p[..rng.Next(p.Length)];
                    break;
                case 2:
                    kind = "extension";
                    p = [.. p, .. Enumerable.Range(0, 1 + rng.Next(64)).Select(_ => (byte)rng.Next(256))];
                    break;
                case 3:
                    kind = "hostile length";
                    long[] hostile = [0, -1, 1, long.MaxValue, long.MinValue, int.MaxValue, 2_000_000_000, p.Length, p.Length - 13, p.Length - 11, 1L << 40];
                    BinaryPrimitives.WriteInt64LittleEndian(p.AsSpan(4), hostile[rng.Next(hostile.Length)]);
                    if (rng.Next(4) == 0) BinaryPrimitives.WriteUInt32LittleEndian(p, (uint)rng.Next());
                    break;
                default:
                    kind = "engine bit flip, CRC recomputed";
                    crcFixed = true;
                    int at = 12 + 8 + 4 + rng.Next(p.Length - 12 - 8 - 4 - 4);   // past the engine magic and version, before its CRC
                    p[at] ^= (byte)(1 << rng.Next(8));
                    BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(p.Length - 4), ModelZip.Crc32(p.AsSpan(12, p.Length - 12 - 4)));
                    break;
            }
            zip.ReplacePayload(p);
            var (error, allocated, time) = MeasuredLoad(zip.ToBytes());
            worstAllocation = Math.Max(worstAllocation, allocated);
            worstTime = time > worstTime ? time : worstTime;
            Assert.True(allocated < LoadAllocationBound, $"mutation {i} ({kind}) allocated {allocated / 1e6:F1} MB");
            Assert.True(time < LoadTimeBound, $"mutation {i} ({kind}) took {time.TotalSeconds:F1} s");
            if (error is null && crcFixed) { loaded++; continue; }
            AssertInvalidData(error, $"mutation {i} ({kind})");
            invalid++;
        }
        output.WriteLine($"{invalid} rejected with InvalidDataException, {loaded} CRC-fixed mutations loaded and scored; worst load {worstAllocation / 1e6:F1} MB, {worstTime.TotalMilliseconds:F0} ms");
    }

    /// <summary>
    /// Raw bit flips in an uncompressed zip (stored entries, so a flip lands in the payload bytes as they are on
    /// disk): 300 flips inside our payload must fail with <see cref="InvalidDataException"/> (the zip's CRC or our
    /// loader); 100 anywhere in the file (ML.NET's own structures included) must fail or load, within the bounds.
    /// With the 600 above, 1,000 mutations of the zip.
    /// </summary>
    [Fact]
    public void Raw_bit_flips_in_an_uncompressed_zip_fail_cleanly_within_bounds()
    {
        var model = ModelZip.Read(SpamZip());
        byte[] file = model.ToBytes(CompressionLevel.NoCompression);
        byte[] payload = model.Payload.ToArray();
        int payloadAt = file.AsSpan().IndexOf(payload);
        Assert.True(payloadAt > 0, "the payload is stored as is");
        var rng = new Random(12);
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < 400; i++)
        {
            bool inPayload = i < 300;
            byte[] mutated = (byte[])file.Clone();
            int at = inPayload ? payloadAt + rng.Next(payload.Length) : rng.Next(file.Length);
            mutated[at] ^= (byte)(1 << rng.Next(8));
            var (error, allocated, time) = MeasuredLoad(mutated);
            Assert.True(allocated < LoadAllocationBound, $"flip at {at} allocated {allocated / 1e6:F1} MB");
            Assert.True(time < LoadTimeBound, $"flip at {at} took {time.TotalSeconds:F1} s");
            if (inPayload) AssertInvalidData(error, $"flip at byte {at} (payload byte {at - payloadAt})");
            string outcome = error is null ? "loaded" : string.Join(" <- ", Chain(error).Select(x => x.GetType().Name));
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        foreach (var (outcome, count) in outcomes.OrderByDescending(kv => kv.Value)) output.WriteLine($"{count,5}  {outcome}");
    }
}
