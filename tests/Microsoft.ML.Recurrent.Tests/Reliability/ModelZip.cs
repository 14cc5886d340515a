using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Recurrent.Tests.Reliability;

/// <summary>
/// An ML.NET model zip opened for surgery: its entries, and inside the recurrent classifier's entry the ML.NET
/// sub-model header (model block offset/size, version) and our payload.
/// </summary>
internal sealed class ModelZip
{
    public const string LoaderSignature = "RecurrentSeqClassifier";

    public List<(string Name, byte[] Bytes)> Entries { get; } = [];

    public static ModelZip Read(string path) => Read(File.ReadAllBytes(path));

    public static ModelZip Read(byte[] zip)
    {
        var result = new ModelZip();
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        foreach (var e in archive.Entries)
        {
            using var s = e.Open();
            var ms = new MemoryStream();
            s.CopyTo(ms);
            result.Entries.Add((e.FullName, ms.ToArray()));
        }
        return result;
    }

    public byte[] ToBytes(CompressionLevel level = CompressionLevel.Optimal)
    {
        var ms = new MemoryStream();
        using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in Entries)
            {
                using var s = archive.CreateEntry(name, level).Open();
                s.Write(bytes);
            }
        return ms.ToArray();
    }

    public ModelZip Clone()
    {
        var c = new ModelZip();
        foreach (var (name, bytes) in Entries) c.Entries.Add((name, (byte[])bytes.Clone()));
        return c;
    }

    /// <summary>Index of the entry written by our loader (its header names the loader signature).</summary>
    public int RecurrentEntry => Entries.FindIndex(e => e.Bytes.Length > 104 && System.Text.Encoding.ASCII.GetString(e.Bytes, 80, LoaderSignature.Length) == LoaderSignature);

    public byte[] Entry => Entries[RecurrentEntry].Bytes;

    // ML.NET's ModelHeader (little-endian): FpModel i64 at 16, CbModel i64 at 24, ModelVerWritten u32 at 72.
    public int PayloadOffset => (int)BinaryPrimitives.ReadInt64LittleEndian(Entry.AsSpan(16));
    public int PayloadLength => (int)BinaryPrimitives.ReadInt64LittleEndian(Entry.AsSpan(24));
    public uint PayloadVersion => BinaryPrimitives.ReadUInt32LittleEndian(Entry.AsSpan(72));

    public Span<byte> Payload => Entry.AsSpan(PayloadOffset, PayloadLength);

    /// <summary>Replaces the payload (a different length moves the string table and tail: the header offsets follow).</summary>
    public void ReplacePayload(byte[] payload)
    {
        byte[] old = Entry;
        int offset = PayloadOffset, length = PayloadLength, delta = payload.Length - length;
        var bytes = new byte[old.Length + delta];
        old.AsSpan(0, offset).CopyTo(bytes);
        payload.CopyTo(bytes.AsSpan(offset));
        old.AsSpan(offset + length).CopyTo(bytes.AsSpan(offset + payload.Length));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), payload.Length);
        // FpStringTable, FpStringChars (32, 48) when present, then FpTail, FpLim, FpAssemblyName (after the signatures).
        foreach (int at in new[] { 32, 48 })
        {
            long v = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
            if (v != 0) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), v + delta);
        }
        foreach (int at in HeaderTailOffsets)
        {
            long v = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
            if (v != 0) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), v + delta);
        }
        Entries[RecurrentEntry] = (Entries[RecurrentEntry].Name, bytes);
    }

    // Signature 0, VerWritten 8, FpModel 16, CbModel 24, FpStringTable 32, CbStringTable 40, FpStringChars 48,
    // CbStringChars 56, ModelSignature 64, ModelVerWritten 72, ModelVerReadable 76, LoaderSignature 80..104,
    // LoaderSignatureAlt 104..128, FpTail 128, FpLim 136, FpAssemblyName 144, CbAssemblyName 152.
    private static readonly int[] HeaderTailOffsets = [128, 136, 144];

    /// <summary>CRC-32 (IEEE, as zlib), to re-seal an engine model after a deliberate mutation.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
