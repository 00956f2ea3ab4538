using System.CommandLine;

namespace Nattt.Cli.Commands;

/// <summary>The list of subcommands. Each protocol adds its commands here (one file per command).</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return BoxCommand.Create();
        yield return ClientCommand.Create();
        yield return StatusCommand.Create();
        yield return DemoCommand.Create();
        yield return VersionCommand.Create();
        yield return StunServerCommand.Create();
        yield return StunCommand.Create();
        yield return StunLoadCommand.Create();
        yield return DnsCommand.Create();
        yield return TurnServerCommand.Create();
        yield return TurnCommand.Create();
        yield return TurnLoadCommand.Create();
    }
}
