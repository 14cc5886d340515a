using System.Buffers.Binary;
using System.Text.Json;

namespace Microsoft.ML.Recurrent.Import;

/// <summary>One tensor entry of a safetensors header, validated against the file.</summary>
internal sealed record SafetensorsEntry(string Name, string DataType, int[] Shape, long Begin, long End)
{
    public int Count => checked((int)((End - Begin) / SafetensorsFile.ElementSize(DataType)));
}

/// <summary>
/// Reads the safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {...}}</c>), then the tensors'
/// raw little-endian bytes, offsets relative to the end of the header. Every header field is checked against the
/// file's actual size before anything is allocated; a damaged or hostile file gives <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class SafetensorsFile
{
    // A header larger than this is not a model's (safetensors itself caps it at 100 MB).
    private const long MaxHeaderBytes = 100L << 20;

    private readonly Stream _stream;
    private readonly long _dataStart;

    public IReadOnlyDictionary<string, SafetensorsEntry> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafetensorsFile(Stream stream, long dataStart, Dictionary<string, SafetensorsEntry> tensors, Dictionary<string, string> metadata)
    {
        _stream = stream;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public static int ElementSize(string dataType) => dataType switch
    {
        "F32" => 4,
        "F64" => 8,
        "F16" or "BF16" => 2,
        _ => throw new InvalidDataException($"safetensors dtype '{dataType}' is not a floating-point type this reader converts (F32, F64, F16, BF16)."),
    };

    /// <summary>Parses and validates the header of a seekable stream; tensors are read later by <see cref="Read"/>.</summary>
    public static SafetensorsFile Open(Stream stream)
    {
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("A seekable, readable stream is required.", nameof(stream));
        long fileLength = stream.Length - stream.Position;
        if (fileLength < 8) throw new InvalidDataException($"A safetensors file starts with an 8-byte header length; this one has {fileLength} bytes.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8) || headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"The safetensors header length {headerLength} exceeds the {fileLength - 8} bytes after it (or the {MaxHeaderBytes}-byte limit).");
        long dataLength = fileLength - 8 - (long)headerLength;
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = stream.Position;

        JsonDocument document;
        try { document = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new InvalidDataException($"The safetensors header is not valid JSON: {e.Message}", e); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("The safetensors header is not a JSON object.");
            var tensors = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException("safetensors '__metadata__' is not an object.");
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw new InvalidDataException($"safetensors metadata '{m.Name}' is not a string.");
                    continue;
                }
                if (tensors.ContainsKey(property.Name)) throw new InvalidDataException($"safetensors tensor '{property.Name}' appears twice.");
                tensors[property.Name] = Entry(property.Name, property.Value, dataLength);
            }
            return new SafetensorsFile(stream, dataStart, tensors, metadata);
        }
    }

    private static SafetensorsEntry Entry(string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"safetensors tensor '{name}' is not an object.");
        if (!e.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"safetensors tensor '{name}' has no string 'dtype'.");
        string dataType = dtype.GetString()!;
        int size = ElementSize(dataType);
        if (!e.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array || shapeElement.GetArrayLength() > 8)
            throw new InvalidDataException($"safetensors tensor '{name}' has no 'shape' array of at most 8 dimensions.");
        var shape = new int[shapeElement.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                throw new InvalidDataException($"safetensors tensor '{name}' has a shape entry {d} that is not a non-negative 32-bit integer.");
            shape[i++] = dim;
            count *= dim;
            if (count > int.MaxValue) throw new InvalidDataException($"safetensors tensor '{name}' has more than {int.MaxValue} elements.");
        }
        if (!e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            throw new InvalidDataException($"safetensors tensor '{name}' has no 'data_offsets' pair of integers.");
        if (begin < 0 || end < begin || end > dataLength)
            throw new InvalidDataException($"safetensors tensor '{name}' spans bytes [{begin}, {end}) but the data section has {dataLength} bytes.");
        if (end - begin != count * size)
            throw new InvalidDataException($"safetensors tensor '{name}' ({dataType}, shape [{string.Join(", ", shape)}]) needs {count * size} bytes; its offsets span {end - begin}.");
        return new SafetensorsEntry(name, dataType, shape, begin, end);
    }

    /// <summary>The tensor's values as float32, row-major.</summary>
    public void Read(SafetensorsEntry entry, Span<float> destination)
    {
        int count = entry.Count;
        if (destination.Length != count) throw new ArgumentException($"Expected room for {count} values.", nameof(destination));
        var bytes = new byte[entry.End - entry.Begin];
        _stream.Position = _dataStart + entry.Begin;
        _stream.ReadExactly(bytes);
        for (int i = 0; i < count; i++)
        {
            destination[i] = entry.DataType switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)),
                "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8)),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)) << 16), // BF16: the top half of a float32
            };
        }
    }
}
