// ML.NET internals (see README.md in this folder): environment, seed, cancellation, SchemaShape columns.
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent.MLNetInternals;

internal static class MLNetAccess
{
    /// <summary>The host environment behind a trainers catalog (ML.NET's CatalogUtils.GetEnvironment, internal).</summary>
    public static IHostEnvironment GetEnvironment(TrainCatalogBase.CatalogInstantiatorBase catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ((IInternalCatalog)catalog).Environment;
    }

    /// <summary>The seed the user gave <c>new MLContext(seed)</c>, if any.</summary>
    public static int? GetSeed(IHostEnvironment env) => env is IHostEnvironmentInternal e ? e.Seed : null;

    /// <summary>True once <c>MLContext.CancelExecution()</c> ran on the environment that created <paramref name="host"/>.</summary>
    public static bool IsCanceled(IHostEnvironment host) => host is ICancelable c && c.IsCanceled;

    /// <summary>A <see cref="SchemaShape.Column"/> (its constructor is internal).</summary>
    public static SchemaShape.Column Column(string name, bool vector, DataViewType itemType, bool isKey, IEnumerable<SchemaShape.Column>? annotations = null)
        => new(name, vector ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.Scalar, itemType, isKey,
            annotations is null ? null : new SchemaShape(annotations));

    /// <summary>The <see cref="SchemaShape"/> of a schema (ML.NET's SchemaShape.Create, internal).</summary>
    public static SchemaShape Shape(DataViewSchema schema) => SchemaShape.Create(schema);
}
