using System.CommandLine;
using System.Reflection;

namespace Nattt.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of nattt and of the .NET runtime.");
        command.SetAction(_ =>
        {
            var v = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
            Console.WriteLine($"nattt {v} (.NET {Environment.Version})");
            return 0;
        });
        return command;
    }
}
