// ML.NET internals (see README.md in this folder): ML.NET's OnnxContext and OnnxNode are internal.
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Recurrent.Onnx;

namespace Microsoft.ML.Recurrent.MLNetInternals;

/// <summary>
/// The engine's <see cref="OnnxGraphBuilder"/> over ML.NET's <see cref="OnnxContext"/>, so
/// <c>mlContext.Model.ConvertToOnnx</c> receives the same network graph <c>RecurrentModel.ExportOnnx</c> writes.
/// </summary>
internal sealed class OnnxContextGraph : OnnxGraphBuilder
{
    // Every variable this exporter names gets this prefix: OnnxContext also maps the name to a "column", and no
    // pipeline column should be shadowed by an internal value.
    private const string Prefix = "Recurrent.";

    private readonly OnnxContext _ctx;

    public OnnxContextGraph(OnnxContext ctx)
    {
        _ctx = ctx;
        Opset = ProbeOpset(ctx);
    }

    public override int Opset { get; }

    /// <summary>OnnxContext exposes the target opset only as a check that throws; ML.NET 5 targets 9–12.</summary>
    private static int ProbeOpset(OnnxContext ctx)
    {
        foreach (int version in new[] { 18, 13, 12, 11, 10 })
        {
            try
            {
                ctx.CheckOpSetVersion(version, "probe");
                return version;
            }
            catch (ArgumentException) { }
            catch (InvalidOperationException) { }
        }
        return 9;
    }

    public override string UniqueName(string prefix) => _ctx.AddIntermediateVariable(null, Prefix + prefix, skip: true);

    public override void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyList<OnnxAttribute> attributes, string domain = "")
    {
        var node = _ctx.CreateNode(opType, inputs, outputs, _ctx.GetNodeName(Prefix + opType), domain);
        foreach (var a in attributes)
        {
            switch (a.Value)
            {
                case long i: node.AddAttribute(a.Name, i); break;
                case float f: node.AddAttribute(a.Name, (double)f); break;
                case string s: node.AddAttribute(a.Name, s); break;
                case long[] ints: node.AddAttribute(a.Name, (IEnumerable<long>)ints); break;
                case float[] floats: node.AddAttribute(a.Name, (IEnumerable<float>)floats); break;
                case string[] strings: node.AddAttribute(a.Name, strings); break;
                default: throw new ArgumentException($"Attribute '{a.Name}' has an unsupported type {a.Value?.GetType().Name ?? "null"}.");
            }
        }
    }

    // OnnxContext's tensor overloads need at least one dimension; scalars have their own overloads.
    public override string AddInitializer(string prefix, float[] values, long[] dims) =>
        dims.Length == 0 ? _ctx.AddInitializer(values[0], Prefix + prefix) : _ctx.AddInitializer(values, dims, Prefix + prefix);

    public override string AddInitializer(string prefix, long[] values, long[] dims) =>
        dims.Length == 0 ? _ctx.AddInitializer(values[0], Prefix + prefix) : _ctx.AddInitializer(values, dims, Prefix + prefix);
}
