using System.Globalization;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// A tiny command-line parser for the samples: <c>--name value</c>, <c>--name=value</c>, <c>--flag</c>, and everything
/// else (or everything after <c>--</c>) as positional arguments. Unknown options are an error, reported by name.
/// </summary>
internal sealed class SampleArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.OrdinalIgnoreCase);

    private SampleArguments() { }

    /// <summary>Arguments that are not options (e.g. the messages to classify).</summary>
    public List<string> Positional { get; } = [];

    /// <summary>Parses <paramref name="args"/>: <paramref name="flags"/> take no value, <paramref name="valued"/> take one.</summary>
    public static SampleArguments Parse(string[] args, IEnumerable<string> flags, IEnumerable<string> valued)
    {
        var flagSet = new HashSet<string>(flags, StringComparer.OrdinalIgnoreCase) { "help" };
        var valuedSet = new HashSet<string>(valued, StringComparer.OrdinalIgnoreCase);
        var result = new SampleArguments();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                result.Positional.AddRange(args[(i + 1)..]);
                break;
            }

            if (arg is "-h" or "-?" or "/?")
            {
                result._options["help"] = null;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                result.Positional.Add(arg);
                continue;
            }

            string name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (!flagSet.Contains(name) && !valuedSet.Contains(name))
            {
                throw new SampleUsageException($"Unknown option --{name}. Run with --help for the list of options.");
            }

            if (value is null && valuedSet.Contains(name))
            {
                if (i + 1 >= args.Length)
                {
                    throw new SampleUsageException($"Option --{name} needs a value.");
                }

                value = args[++i];
            }

            result._options[name] = value;
        }

        return result;
    }

    /// <summary>Whether the flag (or option) was given.</summary>
    public bool Has(string name)
    {
        return _options.ContainsKey(name);
    }

    /// <summary>The option's text value, or null.</summary>
    public string? GetString(string name)
    {
        return _options.TryGetValue(name, out string? value) ? value : null;
    }

    /// <summary>The option's integer value within [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public int? GetInt(string name, int min = 1, int max = int.MaxValue)
    {
        string? text = GetString(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new SampleUsageException($"--{name} expects a whole number from {min} to {(max == int.MaxValue ? "∞" : max)}; got '{text}'.");
        }

        return value;
    }

    /// <summary>The option's float value, or null when absent.</summary>
    public float? GetFloat(string name)
    {
        string? text = GetString(name);
        if (text is null)
        {
            return null;
        }

        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
        {
            throw new SampleUsageException($"--{name} expects a number; got '{text}'.");
        }

        return value;
    }
}

/// <summary>A command-line mistake: printed without a stack trace, exit code 2.</summary>
internal sealed class SampleUsageException(string message) : Exception(message);
