// MLNetInternalsCheck: proves that only one folder of a project uses ML.NET's non-public API.
//
//   MLNetInternalsCheck @RESPONSE_FILE [more arguments]
//     -allowed:DIR    the folder allowed to use internals (e.g. src/Microsoft.ML.Recurrent/MLNetInternals/)
//     -r:FILE         a compile reference: the ORDINARY (unpublicized) assemblies, as the project resolved them
//     -s:FILE         a source file of the project
//     -d:SYMBOLS      preprocessor symbols (, or ; between them)
//     -langversion:V  C# language version (default: latest)
//
// src/Microsoft.ML.Recurrent compiles against publicized ML.NET references (eng/MLNet.Publicize.targets), so the
// compiler there cannot tell a sanctioned internal call from a stray one. This tool compiles the same sources against
// the ordinary references and asks Roslyn for every error (GetDiagnostics binds every method body, unlike csc, which
// stops after declaration errors). Exit 0 when every error lies in the allowed folder AND there is at least one there
// (so the check provably bites); exit 1, with each offending error printed in MSBuild's format, otherwise.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

var arguments = new List<string>();
foreach (var a in args)
{
    if (a.StartsWith('@')) arguments.AddRange(File.ReadAllLines(a[1..]).Where(l => l.Length > 0 && !l.StartsWith('#')));
    else arguments.Add(a);
}
string? allowed = null;
var references = new List<string>();
var sources = new List<string>();
var symbols = new List<string>();
var languageVersion = LanguageVersion.Latest;
foreach (var a in arguments)
{
    if (a.StartsWith("-allowed:")) allowed = Path.GetFullPath(a["-allowed:".Length..]);
    else if (a.StartsWith("-r:")) references.Add(a[3..]);
    else if (a.StartsWith("-s:")) sources.Add(Path.GetFullPath(a[3..]));
    else if (a.StartsWith("-langversion:") && LanguageVersionFacts.TryParse(a["-langversion:".Length..], out var v)) languageVersion = v;
    else if (a.StartsWith("-d:")) symbols.AddRange(a[3..].Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    else { Console.Error.WriteLine($"MLNetInternalsCheck: unknown argument '{a}'."); return 2; }
}
if (allowed is null || sources.Count == 0 || references.Count == 0)
{
    Console.Error.WriteLine("usage: MLNetInternalsCheck -allowed:DIR -r:REFERENCE... -s:SOURCE... [-d:SYMBOLS]  (or @response-file)");
    return 2;
}
allowed = allowed.TrimEnd('/', '\\') + Path.DirectorySeparatorChar;

var parse = new CSharpParseOptions(languageVersion, preprocessorSymbols: symbols);
var trees = sources.Select(s => CSharpSyntaxTree.ParseText(File.ReadAllText(s), parse, path: s)).ToList();
var compilation = CSharpCompilation.Create("MLNetInternalsCheck", trees,
    references.Select(r => MetadataReference.CreateFromFile(r)),
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
bool Inside(Diagnostic d) => d.Location.SourceTree?.FilePath is { } path && path.StartsWith(allowed, StringComparison.Ordinal);
var outside = errors.Where(d => !Inside(d)).ToList();
int inside = errors.Count - outside.Count;

string Format(Diagnostic d)
{
    var span = d.Location.GetLineSpan();
    string where = span.Path is { Length: > 0 } p ? $"{p}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): " : "";
    return $"{where}error MLNETINT001: {d.Id}: {d.GetMessage()} (compiled against the ordinary ML.NET references; only {allowed} may use ML.NET's non-public API: use a public overload or move the call there)";
}

foreach (var d in outside) Console.WriteLine(Format(d));
if (outside.Count > 0)
{
    Console.WriteLine($"MLNetInternalsCheck: {outside.Count} use(s) of ML.NET's non-public API outside {allowed}.");
    return 1;
}
if (inside == 0)
{
    Console.WriteLine($"error MLNETINT002: compiled against the ordinary ML.NET references, {allowed} gave no error: the check did not bite " +
        "(were the publicized references passed instead of the ordinary ones?).");
    return 1;
}
Console.WriteLine($"MLNetInternalsCheck: ML.NET internals used only in {allowed} ({inside} errors there against the ordinary references, none elsewhere).");
return 0;
