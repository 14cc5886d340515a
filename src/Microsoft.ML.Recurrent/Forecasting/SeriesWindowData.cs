using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Forecasting;

namespace Microsoft.ML;

/// <summary>Series windows (<see cref="SeriesWindows"/>) as an ML.NET <see cref="IDataView"/>.</summary>
public static class SeriesWindowData
{
    /// <summary>
    /// The rows as an <see cref="IDataView"/> with columns <c>Features</c> (a fixed-size vector of
    /// <c>WindowSize × FeaturesPerStep</c> Single, step-major), <c>Label</c> (Single) and <c>Origin</c> (Int32, the
    /// window's last step). Fixed size, so the same view also feeds ML.NET's own regressors (FastTree, SDCA, ...).
    /// Train a recurrent regressor on it with <c>featuresPerStep: windows.FeaturesPerStep</c>.
    /// </summary>
    /// <param name="catalog">The data catalog (<c>mlContext.Data</c>).</param>
    /// <param name="windows">The windowing that cut <paramref name="rows"/>.</param>
    /// <param name="rows">Rows from <see cref="SeriesWindows.Labelled"/>.</param>
    public static IDataView LoadFromSeriesWindows(this DataOperationsCatalog catalog, SeriesWindows windows, IEnumerable<SeriesWindow> rows)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(rows);
        return catalog.LoadFromEnumerable(rows, CreateSchemaDefinition(windows));
    }

    /// <summary>
    /// The schema of <see cref="SeriesWindow"/> rows with the fixed <c>Features</c> size of <paramref name="windows"/>: for
    /// <c>LoadFromEnumerable</c> and for <c>CreatePredictionEngine&lt;SeriesWindow, TPrediction&gt;(model, inputSchemaDefinition: ...)</c>.
    /// </summary>
    public static SchemaDefinition CreateSchemaDefinition(SeriesWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var schema = SchemaDefinition.Create(typeof(SeriesWindow));
        schema[nameof(SeriesWindow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, windows.WindowSize * windows.FeaturesPerStep);
        return schema;
    }
}
