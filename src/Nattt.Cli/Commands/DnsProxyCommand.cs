using System.CommandLine;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt dns proxy</c>: placeholder until the proxy lands (next commit).</summary>
internal static class DnsProxyCommand
{
    public static Command Create() => new("proxy", "Run the NATTT DNS proxy on its own (not yet available).");
}
