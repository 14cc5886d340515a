using System.Buffers.Binary;
using System.Text;
using Microsoft.ML.Recurrent.Tests.Parity;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Import;

/// <summary>
/// <see cref="RecurrentModel.FromSafetensors(string, RecurrentArchitecture, IReadOnlyDictionary{string, string}?)"/>
/// on PyTorch state_dicts of the committed reference cases (Reference/generate_safetensors_reference.py: modules
/// <c>embedding</c>, <c>lstm</c>/<c>gru</c>/<c>rnn</c>, head <c>fc</c> or <c>classifier</c>), and on damaged files.
/// </summary>
public class SafetensorsImportTests
{
    public static IEnumerable<object[]> Cases() => TorchReference.Names();

    private static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Reference", "safetensors", name + ".safetensors");

    private static string HeadModule(string name) =>
        File.ReadAllText(PathOf(name), Encoding.Latin1).Contains("\"fc.weight\"") ? "fc" : "classifier";

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictPredictsPyTorchLogits(string name)
    {
        var c = TorchReference.Get(name);
        var a = c.Architecture;
        var model = RecurrentModel.FromSafetensors(PathOf(name), a, new Dictionary<string, string> { ["head"] = HeadModule(name) });
        Assert.Equal("pt", model.Metadata["format"]);
        int T = c.MaxLength, L = a.LogitCount;
        var predictor = model.CreatePredictor();
        var p = new float[a.NumberOfClasses];
        var logits = new float[L];
        for (int b = 0; b < c.Batch; b++)
        {
            if (c.Tokens is { } tokens) predictor.Predict(tokens.AsSpan(b * T, c.Lengths[b]), p, logits);
            else predictor.Predict(c.Input!.AsSpan(b * T * a.FeaturesPerStep, c.Lengths[b] * a.FeaturesPerStep), p, logits);
            for (int k = 0; k < L; k++)
                Assert.True(Math.Abs(logits[k] - c.Logits[b * L + k]) <= 1e-5, $"{name} sequence {b} logit {k}: {logits[k]} vs PyTorch {c.Logits[b * L + k]}");
        }
        // The weights are the case's, tensor by tensor.
        foreach (var t in model.Tensors.Where(t => t.Name != "embedding.weight"))
            Assert.Equal(c.Params[t.Name].Select(v => (float)v), model.GetParameters(t.Name).ToArray());
    }

    [Fact]
    public void UnmappedHeadIsNamed()
    {
        var c = TorchReference.Get("lstm_1layer");
        var e = Assert.Throws<ArgumentException>(() => RecurrentModel.FromSafetensors(PathOf(c.Name), c.Architecture));
        Assert.Contains("head.weight", e.Message);
        Assert.Contains("fc.weight", e.Message);
    }

    [Fact]
    public void ArchitectureMismatchIsNamed()
    {
        var c = TorchReference.Get("lstm_2layer_bidir_mean");
        var map = new Dictionary<string, string> { ["head"] = HeadModule(c.Name) };
        // One layer fewer: the second layer's tensors are left over, and the head's shape still fits -> named, not ignored.
        var e = Assert.Throws<ArgumentException>(() => RecurrentModel.FromSafetensors(PathOf(c.Name), c.Architecture with { NumberOfLayers = 1 }, map));
        Assert.Contains("lstm.weight_ih_l1", e.Message);
        e = Assert.Throws<ArgumentException>(() => RecurrentModel.FromSafetensors(PathOf(c.Name), c.Architecture with { HiddenSize = 16 }, map));
        Assert.Contains("shape", e.Message);
        e = Assert.Throws<ArgumentException>(() => RecurrentModel.FromSafetensors(PathOf(c.Name), c.Architecture with { Cell = RecurrentCellType.Gru }, map));
        Assert.Contains("weight_ih_l0", e.Message);
    }

    [Fact]
    public void ConvertsHalfBfloatAndDoubleTensors()
    {
        var a = new RecurrentArchitecture
        {
            Cell = RecurrentCellType.Rnn, InputKind = SequenceInputKind.Features, FeaturesPerStep = 1, HiddenSize = 1,
            Classification = ClassificationKind.Binary, NumberOfClasses = 2,
        };
        // weight_ih 0.5 (F16), weight_hh -0.25 (BF16), biases as F64, head as F32.
        var bytes = Build(
            ("rnn.weight_ih_l0", "F16", [1, 1], BitConverter.GetBytes((Half)0.5f)),
            ("rnn.weight_hh_l0", "BF16", [1, 1], BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(-0.25f) >> 16))),
            ("rnn.bias_ih_l0", "F64", [1], BitConverter.GetBytes(0.125)),
            ("rnn.bias_hh_l0", "F64", [1], BitConverter.GetBytes(-0.0625)),
            ("head.weight", "F32", [1, 1], BitConverter.GetBytes(2f)),
            ("head.bias", "F32", [1], BitConverter.GetBytes(-1f)));
        var model = RecurrentModel.FromSafetensors(new MemoryStream(bytes), a);
        Assert.Equal([0.5f, -0.25f, 0.125f, -0.0625f, 2f, -1f], model.Parameters.ToArray());
    }

    [Fact]
    public void DamagedFilesAreInvalidData()
    {
        var c = TorchReference.Get("gru_1layer");
        var map = new Dictionary<string, string> { ["head"] = HeadModule(c.Name) };
        byte[] good = File.ReadAllBytes(PathOf(c.Name));
        void Rejects(byte[] bytes, string why)
        {
            var e = Record.Exception(() => RecurrentModel.FromSafetensors(new MemoryStream(bytes), c.Architecture, map));
            Assert.True(e is InvalidDataException, $"{why}: {e?.GetType().Name ?? "no exception"} {e?.Message}");
        }
        // Every truncation.
        for (int n = 0; n < good.Length; n += Math.Max(1, n / 8)) Rejects(good[..n], $"truncated to {n}");
        // A header length beyond the file, and one near 2^64.
        var huge = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, (ulong)good.Length);
        Rejects(huge, "header length beyond the file");
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue - 3);
        Rejects(huge, "header length near 2^64");
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(good);
        string header = Encoding.UTF8.GetString(good, 8, headerLength);
        byte[] WithHeader(string h)
        {
            h += new string(' ', (8 - Encoding.UTF8.GetByteCount(h) % 8) % 8);
            var hb = Encoding.UTF8.GetBytes(h);
            var result = new byte[8 + hb.Length + good.Length - 8 - headerLength];
            BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)hb.Length);
            hb.CopyTo(result, 8);
            good.AsSpan(8 + headerLength).CopyTo(result.AsSpan(8 + hb.Length));
            return result;
        }
        Assert.Equal(good, WithHeader(header.TrimEnd())); // the rebuilt header itself is fine
        Rejects(WithHeader(header.Replace("\"shape\":[21]", "\"shape\":[2100000000]")), "shape larger than the data");
        Rejects(WithHeader(header.Replace("\"shape\":[21]", "\"shape\":[-21]")), "negative dimension");
        Rejects(WithHeader(header.Replace("\"shape\":[21]", "\"shape\":[65536,65536,65536]")), "element count overflow");
        Rejects(WithHeader(header.Replace("\"F32\"", "\"I64\"")), "integer dtype");
        Rejects(WithHeader(header.Replace("\"data_offsets\":[0,", "\"data_offsets\":[-4,")), "negative offset");
        Rejects(WithHeader(header.Replace("\"data_offsets\":[0,", "\"data_offsets\":[9000000000000,")), "offset beyond the file");
        Rejects(WithHeader(header[..^10]), "header not JSON");
        Rejects(WithHeader("[1,2,3]"), "header not an object");
        Rejects(WithHeader(new string('[', 5000) + new string(']', 5000)), "deeply nested header");
    }

    private static byte[] Build(params (string Name, string DataType, int[] Shape, byte[] Data)[] tensors)
    {
        var sb = new StringBuilder("{");
        long offset = 0;
        foreach (var t in tensors)
        {
            sb.Append($"\"{t.Name}\":{{\"dtype\":\"{t.DataType}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{offset},{offset + t.Data.Length}]}},");
            offset += t.Data.Length;
        }
        sb[^1] = '}';
        var header = Encoding.UTF8.GetBytes(sb.ToString());
        var ms = new MemoryStream();
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        ms.Write(prefix);
        ms.Write(header);
        foreach (var t in tensors) ms.Write(t.Data);
        return ms.ToArray();
    }
}
