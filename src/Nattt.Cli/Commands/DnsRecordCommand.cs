using System.CommandLine;
using System.Net;
using Nattt.Dns;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Cli.Commands;

/// <summary><c>nattt dns record NAME --hop ADDR[:PORT]... --dest ADDR</c>: prints the zone lines of a NAT RR.</summary>
internal static class DnsRecordCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The owner name, e.g. b.example.test (taken as fully qualified)." };
        var hops = new Option<string[]>("--hop")
        {
            Description = "A tunnel hop ADDR[:PORT] (IPv6 as [ADDR]:PORT), outermost first; repeat for nested NATs (at most 8). " +
                          "The port defaults to 100, the NATTT well-known port.",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var dest = new Option<string>("--dest") { Description = "The destination host's private address (IPv4 or IPv6).", Required = true };
        var ttl = new Option<uint>("--ttl") { Description = "TTL of the printed records, seconds. Defaults to 300.", DefaultValueFactory = _ => 300 };
        var type = new Option<ushort>("--type")
        {
            Description = "The NAT RR type code. Defaults to 65324 (private use; the 2010 NAT3D prototype's code).",
            DefaultValueFactory = _ => NatRecord.DefaultType,
        };
        var command = new Command("record",
            "Print the zone lines that publish a NATTT path: the NAT RR in native and RFC 3597 generic form, and the " +
            "A-record emulation records. Paste the uncommented lines into the zone of NAME.")
        {
            name, hops, dest, ttl, type,
        };
        command.SetAction(parseResult =>
        {
            var owner = parseResult.GetValue(name)!;
            if (!DnsName.TryParseText(owner, out _, out var why) || owner == ".")
                return Fail($"'{owner}' is not a valid DNS name ({why})");
            var parsedHops = new List<IPEndPoint>();
            foreach (var h in parseResult.GetValue(hops) ?? [])
            {
                if (!NatRecordText.TryParseHop(h, out var hop)) return Fail($"--hop '{h}' is not ADDR[:PORT] with a port 1-65535");
                parsedHops.Add(hop);
            }
            if (!IPAddress.TryParse(parseResult.GetValue(dest), out var destination))
                return Fail($"--dest '{parseResult.GetValue(dest)}' is not an IP address");
            TunnelPath path;
            try
            {
                path = new TunnelPath(parsedHops, destination);
                NatRecord.Validate(path);
            }
            catch (ArgumentException e)
            {
                return Fail(e.Message);
            }
            Console.Write(NatRecordZoneLines.Format(owner, path, parseResult.GetValue(ttl), parseResult.GetValue(type)));
            return 0;
        });
        return command;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("nattt dns record: " + message);
        return 2;
    }
}
