namespace Microsoft.ML.Recurrent;

/// <summary>How many rows a training-data pass read, used and skipped (and why), for the log.</summary>
internal sealed class RowCounts
{
    public int Rows, Used, MissingLabel, BadWeight, BadFeatures, HeldOut;

    public string Describe(string what) =>
        $"{what}: {Used} of {Rows} rows used" + (HeldOut > 0 ? $", {HeldOut} more held out for validation" : "") + (Rows == Used + HeldOut ? "." :
        $" (skipped: {MissingLabel} missing label, {BadWeight} negative/NaN weight, {BadFeatures} non-finite features or length not a multiple of FeaturesPerStep).");
}
