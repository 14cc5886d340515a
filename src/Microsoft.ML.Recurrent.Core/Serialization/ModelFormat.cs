using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Serialization;

/// <summary>
/// The versioned little-endian model file (docs/model-format.md). Reading trusts nothing: the checksum is verified
/// before parsing, every count is checked against the bytes that actually follow before anything is allocated, and
/// the tensor table must equal the one the architecture implies. Every failure is an <see cref="InvalidDataException"/>.
/// </summary>
internal static partial class ModelFormat
{
    /// <summary>"MLRNN" + CR LF SUB: line-ending or text-mode mangling of the file breaks the magic (PNG's trick).</summary>
    public static ReadOnlySpan<byte> Magic => "MLRNN\r\n\u001a"u8;

    public const uint Version = 1;

    /// <summary>Largest model file read (also bounds what a stream without a length can make us buffer).</summary>
    public const long MaxFileBytes = 1L << 31;

    private const int ArchitectureFields = 15;
    private const int MaxNameBytes = 256;
    private const int MaxMetadataEntries = 1 << 16;

    public static void Write(RecurrentModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var a = model.Architecture;
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            uint version = VersionFor(a);
            w.Write(version);
            w.Write(ArchitectureFieldsOf(version));
            w.Write((int)a.Cell); w.Write((int)a.RnnActivation); w.Write(a.Peephole ? 1 : 0); w.Write((int)a.GruReset);
            w.Write((int)a.InputKind); w.Write(a.VocabularySize); w.Write(a.EmbeddingSize); w.Write(a.FeaturesPerStep);
            w.Write(a.HiddenSize); w.Write(a.NumberOfLayers); w.Write(a.Bidirectional ? 1 : 0); w.Write(a.Dropout);
            w.Write((int)a.Pooling); w.Write((int)a.Classification); w.Write(a.NumberOfClasses);
            if (version >= 2) WriteVersion2Fields(w, a);
            w.Write(model.Tensors.Count);
            foreach (var t in model.Tensors)
            {
                byte[] name = Encoding.UTF8.GetBytes(t.Name);
                w.Write((ushort)name.Length); w.Write(name);
                w.Write((byte)t.Shape.Length);
                foreach (int d in t.Shape) w.Write(d);
            }
            ReadOnlySpan<float> p = model.Parameters.Span;
            w.Write((long)p.Length);
            if (BitConverter.IsLittleEndian) w.Write(MemoryMarshal.AsBytes(p));
            else foreach (float v in p) w.Write(v);  // BinaryWriter writes little-endian
            if (version >= 2) WriteTargetStandardization(w, model);
            w.Write(model.Metadata.Count);
            foreach (var (key, value) in model.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                WriteString(w, key); WriteString(w, value);
            }
        }
        uint crc = Crc32.Compute(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc);
        ms.Write(tail);
        ms.Position = 0;
        ms.CopyTo(stream);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        w.Write(b.Length); w.Write(b);
    }

    public static RecurrentModel Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] bytes = ReadAll(stream);
        var r = new Reader(bytes);
        if (bytes.Length < Magic.Length + 8 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException("Not a Microsoft.ML.Recurrent model: the file does not start with the MLRNN magic bytes.");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        uint actual = Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4));
        r.Skip(Magic.Length);
        uint version = r.UInt32("format version");
        if (version is < 1 or > LatestVersion) throw new InvalidDataException($"Model format version {version} is not supported; this library reads versions 1..{LatestVersion}.");
        if (stored != actual)
            throw new InvalidDataException($"Model checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}): the file is truncated or corrupted.");
        r.Limit = bytes.Length - 4;

        int fields = r.Int32("architecture field count");
        if (fields != ArchitectureFieldsOf(version)) throw new InvalidDataException($"Architecture field count is {fields}; expected {ArchitectureFieldsOf(version)}.");
        RecurrentArchitecture a;
        try
        {
            a = new RecurrentArchitecture
            {
                Cell = (RecurrentCellType)r.Int32("cell"),
                RnnActivation = (RnnActivation)r.Int32("RNN activation"),
                Peephole = r.Bool("peephole"),
                GruReset = (GruResetMode)r.Int32("GRU reset mode"),
                InputKind = (SequenceInputKind)r.Int32("input kind"),
                VocabularySize = r.Int32("vocabulary size"),
                EmbeddingSize = r.Int32("embedding size"),
                FeaturesPerStep = r.Int32("features per step"),
                HiddenSize = r.Int32("hidden size"),
                NumberOfLayers = r.Int32("number of layers"),
                Bidirectional = r.Bool("bidirectional"),
                Dropout = r.Single("dropout"),
                Pooling = (SequencePooling)r.Int32("pooling"),
                Classification = (ClassificationKind)r.Int32("classification"),
                NumberOfClasses = r.Int32("number of classes"),
            };
            if (version >= 2) a = ReadVersion2Fields(r, a);
            a.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Invalid architecture in model file: {e.Message}", e);
        }

        var layout = new ParameterLayout(a);
        int tensors = r.Int32("tensor count");
        if (tensors != layout.Tensors.Count) throw new InvalidDataException($"Tensor count is {tensors}; the architecture has {layout.Tensors.Count}.");
        foreach (var t in layout.Tensors)
        {
            int nameLength = r.UInt16("tensor name length");
            if (nameLength > MaxNameBytes) throw new InvalidDataException($"Tensor name length {nameLength} exceeds {MaxNameBytes} bytes.");
            string name = r.Utf8(nameLength, "tensor name");
            if (name != t.Name) throw new InvalidDataException($"Tensor '{name}' found where '{t.Name}' was expected.");
            int rank = r.Byte("tensor rank");
            if (rank != t.Shape.Length) throw new InvalidDataException($"Tensor '{name}' has rank {rank}; expected {t.Shape.Length}.");
            for (int i = 0; i < rank; i++)
            {
                int d = r.Int32("tensor dimension");
                if (d != t.Shape[i]) throw new InvalidDataException($"Tensor '{name}' dimension {i} is {d}; expected {t.Shape[i]}.");
            }
        }
        long count = r.Int64("parameter count");
        if (count != layout.Count) throw new InvalidDataException($"Parameter count is {count}; the architecture has {layout.Count}.");
        r.Require(count * 4, "parameters");
        var parameters = new float[count];
        r.Floats(parameters);
        foreach (float v in parameters)
            if (!float.IsFinite(v)) throw new InvalidDataException("The model holds a non-finite weight (NaN or infinity).");
        TargetStandardization? targets = version >= 2 ? ReadTargetStandardization(r, a) : null;

        int entries = r.Int32("metadata count");
        if (entries < 0 || entries > MaxMetadataEntries) throw new InvalidDataException($"Metadata count {entries} is outside 0..{MaxMetadataEntries}.");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < entries; i++)
        {
            string key = r.Utf8(r.Int32("metadata key length"), "metadata key");
            string value = r.Utf8(r.Int32("metadata value length"), "metadata value");
            if (!metadata.TryAdd(key, value)) throw new InvalidDataException($"Metadata key '{key}' appears twice.");
        }
        if (r.Position != r.Limit) throw new InvalidDataException($"{r.Limit - r.Position} unexpected bytes after the model.");
        if (version < 2 && VersionFor(a) >= 2)
            throw new InvalidDataException("A version 1 model file cannot hold a regression head or a Jordan cell.");
        return new RecurrentModel(a, parameters, metadata, targets);
    }

    private static byte[] ReadAll(Stream stream)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > MaxFileBytes) throw new InvalidDataException($"The model stream holds {remaining} bytes; the limit is {MaxFileBytes}.");
            var buffer = new byte[remaining];
            stream.ReadExactly(buffer);
            return buffer;
        }
        // Unknown length: buffer what actually arrives, so memory follows the data rather than any field.
        using var ms = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (ms.Length + read > MaxFileBytes) throw new InvalidDataException($"The model stream exceeds {MaxFileBytes} bytes.");
            ms.Write(chunk, 0, read);
        }
        return ms.ToArray();
    }

    /// <summary>Bounds-checked little-endian reader over the file bytes.</summary>
    private sealed class Reader(byte[] bytes)
    {
        public int Position;
        public int Limit = bytes.Length;

        public void Skip(int n) { Require(n, "header"); Position += n; }

        public void Require(long n, string what)
        {
            if (n < 0 || n > Limit - Position)
                throw new InvalidDataException($"The model file ends inside the {what} (needs {n} bytes at offset {Position}, {Limit - Position} left).");
        }

        private ReadOnlySpan<byte> Take(int n, string what)
        {
            Require(n, what);
            var s = bytes.AsSpan(Position, n);
            Position += n;
            return s;
        }

        public byte Byte(string what) => Take(1, what)[0];
        public ushort UInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
        public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));
        public uint UInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));
        public long Int64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));
        public float Single(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

        public bool Bool(string what)
        {
            int v = Int32(what);
            return v switch { 0 => false, 1 => true, _ => throw new InvalidDataException($"The {what} flag is {v}; expected 0 or 1.") };
        }

        public string Utf8(int n, string what)
        {
            if (n < 0) throw new InvalidDataException($"The {what} length is {n}; expected >= 0.");
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(n, what));
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"The {what} is not valid UTF-8.", e);
            }
        }

        public void Floats(float[] destination)
        {
            var src = Take(checked(destination.Length * 4), "parameters");
            for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(src.Slice(i * 4, 4));
        }
    }
}
