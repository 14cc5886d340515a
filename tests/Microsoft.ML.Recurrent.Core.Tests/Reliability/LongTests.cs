using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// The long-test switch: tests marked <see cref="LongFactAttribute"/> or <see cref="LongTheoryAttribute"/> run only
/// when the environment variable <c>RECURRENT_LONG_TESTS=1</c> is set (e.g. <c>RECURRENT_LONG_TESTS=1 eng/test.sh</c>);
/// otherwise they are reported as skipped, so the default run stays within its time budget.
/// </summary>
internal static class LongTests
{
    public const string Variable = "RECURRENT_LONG_TESTS";

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";

    public static string? SkipReason => Enabled ? null : $"Long test: set {Variable}=1 to run it.";
}

/// <summary>A <see cref="FactAttribute"/> that runs only behind the long-test switch (<see cref="LongTests"/>).</summary>
public sealed class LongFactAttribute : FactAttribute
{
    /// <summary>Skipped unless RECURRENT_LONG_TESTS=1.</summary>
    public LongFactAttribute() => Skip = LongTests.SkipReason;
}

/// <summary>A <see cref="TheoryAttribute"/> that runs only behind the long-test switch (<see cref="LongTests"/>).</summary>
public sealed class LongTheoryAttribute : TheoryAttribute
{
    /// <summary>Skipped unless RECURRENT_LONG_TESTS=1.</summary>
    public LongTheoryAttribute() => Skip = LongTests.SkipReason;
}
