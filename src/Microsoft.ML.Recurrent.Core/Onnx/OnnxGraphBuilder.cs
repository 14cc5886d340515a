namespace Microsoft.ML.Recurrent.Onnx;

/// <summary>One attribute of an ONNX node: a long, float, string, or an array of longs, floats or strings.</summary>
internal readonly record struct OnnxAttribute(string Name, object Value);

/// <summary>
/// Where the recurrent network's ONNX nodes go. Two writers implement it: the engine's own protobuf model
/// (<see cref="OnnxModelWriter"/>) and, in the ML.NET layer, ML.NET's <c>OnnxContext</c> during <c>ConvertToOnnx</c>,
/// so the network graph (<see cref="RecurrentOnnxGraph"/>) is written once for both.
/// </summary>
internal abstract class OnnxGraphBuilder
{
    /// <summary>ONNX ai.onnx opset the graph targets: decides a few operator signatures (Reduce*'s axes).</summary>
    public abstract int Opset { get; }

    /// <summary>A variable name not used before, starting with <paramref name="prefix"/>.</summary>
    public abstract string UniqueName(string prefix);

    public abstract void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyList<OnnxAttribute> attributes, string domain = "");

    /// <summary>A constant float tensor; returns its variable name.</summary>
    public abstract string AddInitializer(string prefix, float[] values, long[] dims);

    /// <summary>A constant int64 tensor; returns its variable name.</summary>
    public abstract string AddInitializer(string prefix, long[] values, long[] dims);

    /// <summary>A node with one output named after <paramref name="prefix"/>; returns the output's name.</summary>
    public string Op(string opType, string prefix, string[] inputs, params OnnxAttribute[] attributes)
    {
        string output = UniqueName(prefix);
        AddNode(opType, inputs, [output], attributes);
        return output;
    }

    public string Scalar(string prefix, float value) => AddInitializer(prefix, [value], []);
    public string Scalar(string prefix, long value) => AddInitializer(prefix, [value], []);
    public string Vector(string prefix, params long[] values) => AddInitializer(prefix, values, [values.Length]);

    /// <summary>ReduceSum/ReduceMax over one axis: axes moved from attribute to input at opset 13 (Sum) and 18 (Max).</summary>
    public string Reduce(string opType, string prefix, string input, long axis, bool keepDims)
    {
        int axesAsInput = opType == "ReduceSum" ? 13 : 18;
        var keep = new OnnxAttribute("keepdims", keepDims ? 1L : 0L);
        return Opset >= axesAsInput
            ? Op(opType, prefix, [input, Vector(prefix + "_axes", axis)], keep)
            : Op(opType, prefix, [input], keep, new OnnxAttribute("axes", new[] { axis }));
    }
}
