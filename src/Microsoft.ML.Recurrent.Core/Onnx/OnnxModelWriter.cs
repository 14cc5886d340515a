using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Recurrent.Onnx.Proto;

namespace Microsoft.ML.Recurrent.Onnx;

/// <summary>
/// Builds an ONNX <c>ModelProto</c> (IR version 8, opset 17) with the protobuf classes protoc generates from
/// <c>onnx-subset.proto</c>.
/// </summary>
internal sealed class OnnxModelWriter : OnnxGraphBuilder
{
    public const long IrVersion = 8;
    public const int DefaultOpset = 17;

    private readonly GraphProto _graph = new() { Name = "recurrent" };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public override int Opset => DefaultOpset;

    public override string UniqueName(string prefix)
    {
        string name = prefix;
        for (int i = 1; !_names.Add(name); i++) name = $"{prefix}_{i}";
        return name;
    }

    public override void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyList<OnnxAttribute> attributes, string domain = "")
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName("node_" + opType), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var a in attributes) node.Attribute.Add(ToProto(a));
        _graph.Node.Add(node);
    }

    private static AttributeProto ToProto(OnnxAttribute a)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (a.Value)
        {
            case long i: p.Type = AttributeProto.Types.AttributeType.Int; p.I = i; break;
            case float f: p.Type = AttributeProto.Types.AttributeType.Float; p.F = f; break;
            case string s: p.Type = AttributeProto.Types.AttributeType.String; p.S = ByteString.CopyFromUtf8(s); break;
            case long[] ints: p.Type = AttributeProto.Types.AttributeType.Ints; p.Ints.AddRange(ints); break;
            case float[] floats: p.Type = AttributeProto.Types.AttributeType.Floats; p.Floats.AddRange(floats); break;
            case string[] strings: p.Type = AttributeProto.Types.AttributeType.Strings; p.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8)); break;
            default: throw new ArgumentException($"Attribute '{a.Name}' has an unsupported type {a.Value?.GetType().Name ?? "null"}.");
        }
        return p;
    }

    public override string AddInitializer(string prefix, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = UniqueName(prefix), DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        // raw_data is little-endian by ONNX's definition.
        if (BitConverter.IsLittleEndian) t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        else t.FloatData.AddRange(values);
        _graph.Initializer.Add(t);
        return t.Name;
    }

    public override string AddInitializer(string prefix, long[] values, long[] dims)
    {
        var t = new TensorProto { Name = UniqueName(prefix), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Declares a graph input; a string dimension is symbolic (dynamic), a number fixed.</summary>
    public string AddInput(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _names.Add(name);
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Keeps <paramref name="name"/> (a graph output's) from being handed out by <see cref="UniqueName"/>.</summary>
    public void Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The ONNX name '{name}' is already used.");
    }

    /// <summary>Declares a graph output (reserved first with <see cref="Reserve"/>), renaming <paramref name="variable"/> to <paramref name="name"/> through Identity.</summary>
    public void AddOutput(string variable, string name, TensorProto.Types.DataType type, params object[] dims)
    {
        AddNode("Identity", [variable], [name], []);
        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public void WriteTo(Stream stream, string docString, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Microsoft.ML.Recurrent",
            ProducerVersion = typeof(OnnxModelWriter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = DefaultOpset });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        model.WriteTo(stream);
    }
}
