using System.CommandLine;
using Nattt.Cli.Commands;

namespace Nattt.Cli;

/// <summary>The single `nattt` executable. One file per subcommand under Commands/.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand(
            "nattt - NAT traversal: NATTT tunnels (box, client), and the tools around them.\n" +
            "Run 'nattt COMMAND --help' for the options of each command; every option shows its default.");
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        return root.Parse(args).Invoke();
    }
}
