namespace Microsoft.ML.Recurrent;

/// <summary>
/// Holds out a fraction of the training rows as validation rows (<see cref="RecurrentSequenceClassifierOptions.ValidationSetFraction"/>):
/// each usable row goes to validation with that probability, drawn from a generator seeded by the training seed, so a
/// given seed and row order always give the same split.
/// </summary>
internal sealed class ValidationSplit(float fraction, int seed)
{
    // A fixed offset keeps this stream apart from the engine's own seeded streams (initialisation, shuffling, dropout).
    private readonly Random _random = new(unchecked(seed * 31 + 0x5EED));

    public float Fraction { get; } = fraction;

    /// <summary>True if the next usable row is held out.</summary>
    public bool HoldOut() => _random.NextDouble() < Fraction;
}
