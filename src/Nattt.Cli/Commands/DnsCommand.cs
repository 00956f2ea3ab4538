using System.CommandLine;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt dns</c>: the NAT resource record and the DNS proxy (docs/dns.md, docs/nat-rr.md).</summary>
internal static class DnsCommand
{
    public static Command Create()
    {
        var command = new Command("dns", "The NATTT DNS side: print NAT RR zone lines, run the DNS proxy on its own.");
        command.Subcommands.Add(DnsRecordCommand.Create());
        command.Subcommands.Add(DnsProxyCommand.Create());
        return command;
    }
}
