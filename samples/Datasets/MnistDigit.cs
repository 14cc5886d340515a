namespace Microsoft.ML.Recurrent.Samples;

/// <summary>One 28×28 handwritten digit.</summary>
/// <param name="Pixels">784 intensities in [0, 1] (0 = background), row-major: pixel (row, column) is at <c>row * 28 + column</c>.</param>
/// <param name="Label">The digit, 0 to 9.</param>
/// <param name="IsTest">Whether the digit is in the fixed test split; see <see cref="MnistDigits.IsTestIndex"/>.</param>
public sealed record MnistDigit(float[] Pixels, int Label, bool IsTest);
