// MLNetPublicizer: makes every type, method and field of a .NET assembly public, for use as a COMPILE-TIME reference.
//
//   MLNetPublicizer <input.dll> <output.dll> [<search directory>...]
//
// The output keeps the input's identity (name, version, culture, public key), so code compiled against it binds to
// the ordinary assembly at run time. Together with [assembly: IgnoresAccessChecksTo("...")] in the consuming assembly,
// this is how Microsoft.ML.Recurrent reaches the ML.NET members that model persistence needs but ML.NET keeps
// internal (dotnet/machinelearning#4911, #6839). The output is written to obj/ and never shipped.
using Mono.Cecil;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MLNetPublicizer <input.dll> <output.dll> [<search directory>...]");
    return 2;
}

string input = Path.GetFullPath(args[0]), output = Path.GetFullPath(args[1]);
using var resolver = new DefaultAssemblyResolver();
resolver.AddSearchDirectory(Path.GetDirectoryName(input)!);
foreach (var dir in args.Skip(2).Where(Directory.Exists).Distinct()) resolver.AddSearchDirectory(dir);

int types = 0, methods = 0, fields = 0;
using (var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = false }))
{
    foreach (var type in assembly.MainModule.GetTypes())
    {
        if (type.Name == "<Module>") continue;
        if (type.IsNested ? !type.IsNestedPublic : !type.IsPublic)
        {
            if (type.IsNested) type.IsNestedPublic = true; else type.IsPublic = true;
            types++;
        }
        foreach (var method in type.Methods)
        {
            if (method.IsPublic) continue;
            method.IsPublic = true;
            methods++;
        }
        foreach (var field in type.Fields)
        {
            if (field.IsPublic) continue;
            // Compiler-generated backing fields of events (and any field named like a member) would make the
            // member's name ambiguous to the C# compiler: leave them private.
            if (type.Properties.Any(p => p.Name == field.Name) || type.Events.Any(e => e.Name == field.Name)) continue;
            field.IsPublic = true;
            fields++;
        }
    }
    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    string temp = output + ".tmp";
    assembly.Write(temp);
    File.Move(temp, output, overwrite: true);
}
Console.WriteLine($"MLNetPublicizer: {Path.GetFileName(input)} -> {output} ({types} types, {methods} methods, {fields} fields made public)");
return 0;
