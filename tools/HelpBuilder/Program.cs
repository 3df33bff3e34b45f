using OpsRunbooks.HelpBuilder;

// Builds the module's MAML help from module/help/*.md and the compiled cmdlets, and fails the build when
// a cmdlet has no help page, a parameter has no description or a cmdlet does not declare its output,
// so help cannot drift from the code.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: HelpBuilder <help source dir> <cmdlet assembly> <reference list file> <output xml>");
    return 2;
}
var (sourceDirectory, assemblyPath, referenceList, outputPath) = (args[0], args[1], args[2], args[3]);
var cmdlets = CmdletMetadata.Read(assemblyPath, File.ReadAllLines(referenceList).Where(l => l.Length > 0),
    types => ParameterDefaults.Read(assemblyPath, types));
var problems = new List<string>();
var pages = new List<(CmdletMetadata, HelpSource)>();
foreach (var cmdlet in cmdlets)
{
    var path = Path.Combine(sourceDirectory, cmdlet.Name + ".md");
    if (!File.Exists(path))
    {
        problems.Add($"{cmdlet.Name}: no help page {path}");
        continue;
    }
    HelpSource help;
    try
    {
        help = HelpSource.Parse(path);
    }
    catch (InvalidDataException e)
    {
        problems.Add(e.Message);
        continue;
    }
    foreach (var parameter in MamlWriter.DocumentedParameterNames(cmdlet).Where(p => !help.Parameters.ContainsKey(p) && cmdlet.Parameters.Any(q => q.Name == p)))
        problems.Add($"{path}: parameter -{parameter} has no description");
    foreach (var extra in help.Parameters.Keys.Where(p => cmdlet.Parameters.All(q => !string.Equals(q.Name, p, StringComparison.OrdinalIgnoreCase))))
        problems.Add($"{path}: describes -{extra}, which {cmdlet.Name} does not have");
    if (cmdlet.OutputTypes.Count == 0)
        problems.Add($"{cmdlet.Name}: no [OutputType] attribute; its help's OUTPUTS says what it emits");
    pages.Add((cmdlet, help));
}
foreach (var orphan in Directory.EnumerateFiles(sourceDirectory, "*.md").Select(Path.GetFileNameWithoutExtension)
             .Where(n => cmdlets.All(c => c.Name != n)))
    problems.Add($"{orphan}.md: no such cmdlet");
if (problems.Count > 0)
{
    foreach (var problem in problems) Console.Error.WriteLine("error: " + problem);
    return 1;
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
MamlWriter.Write(pages).Save(outputPath);
Console.WriteLine($"Help for {pages.Count} cmdlets written to {outputPath}");
return 0;
