// ML.NET internals (see README.md in this folder): IDataTransform, ITransformTemplate and ITransformCanSaveOnnx are internal.
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent.MLNetInternals;

/// <summary>
/// What <see cref="RecurrentSequenceClassificationTransformer.Transform"/> returns: the lazy scored view, presented to
/// ML.NET as a data transform that can save itself as ONNX. <c>mlContext.Model.ConvertToOnnx</c> walks the
/// transformed view back through <see cref="IDataTransform.Source"/> and asks each step for its ONNX nodes; a view
/// that is not an <see cref="IDataTransform"/> ends that walk, and ML.NET then writes a pass-through graph whose
/// inputs are our output columns (the bug this type fixes). Everything else is delegated to the scored view.
/// </summary>
internal sealed class OnnxExportableView(IDataView scored, IDataView source, BoundScorer bound) : ITransformCanSaveOnnx, ITransformTemplate
{
    /// <summary>The scored view of <paramref name="source"/>, as ML.NET's ONNX converter can walk it.</summary>
    public static IDataView Wrap(IDataView scored, IDataView source, BoundScorer bound) => new OnnxExportableView(scored, source, bound);

    public IDataView Source => source;

    public bool CanShuffle => scored.CanShuffle;

    public DataViewSchema Schema => scored.Schema;

    public long? GetRowCount() => scored.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => scored.GetRowCursor(columnsNeeded, rand);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        scored.GetRowCursorSet(columnsNeeded, n, rand);

    /// <summary>Always true: a part that cannot be exported makes <see cref="SaveAsOnnx"/> throw, naming it, rather
    /// than letting ML.NET stop its walk with only a warning.</summary>
    public bool CanSaveOnnx(OnnxContext ctx) => true;

    public void SaveAsOnnx(OnnxContext ctx) => OnnxPipelineExport.Save(ctx, bound);

    /// <summary>The same scoring over other data: ML.NET code that walks a chain of data transforms re-applies each
    /// one this way (ApplyTransformUtils), so being a data transform must not break it.</summary>
    public IDataTransform ApplyToData(IHostEnvironment env, IDataView newSource)
    {
        var rebound = bound.Scorer.Bind(newSource.Schema);
        return new OnnxExportableView(new ScoredDataView(newSource, rebound, env.Register(nameof(RecurrentSequenceClassificationTransformer))), newSource, rebound);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        "Save the fitted transformer with mlContext.Model.Save(model, schema, path); its transformed data view is not saved on its own.");
}
