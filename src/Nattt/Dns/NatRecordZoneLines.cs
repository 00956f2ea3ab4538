using System.Text;
using Nattt.Tunnel;

namespace Nattt.Dns;

/// <summary>The zone-file lines <c>nattt dns record</c> prints for a name and a path.</summary>
public static class NatRecordZoneLines
{
    public static string Format(string name, TunnelPath path, uint ttl, ushort type = NatRecord.DefaultType)
    {
        var owner = name.EndsWith('.') ? name : name + ".";
        var sb = new StringBuilder();
        sb.AppendLine($"; NATTT path of {owner}: {path}");
        sb.AppendLine("; native form (for tools that know the NAT type; zone servers do not, so it is commented out):");
        sb.AppendLine($"; {owner} {ttl} IN {NatRecordText.Mnemonic} {NatRecordText.FormatNative(path)}");
        sb.AppendLine("; RFC 3597 generic form, accepted by unmodified BIND, NSD and Knot:");
        sb.AppendLine($"{owner} {ttl} IN TYPE{type} {NatRecordText.FormatGeneric(path)}");
        sb.AppendLine("; A-record emulation (docs/nat-rr.md section 4), for providers that allow only A/AAAA records:");
        foreach (var (recordOwner, recordType, value) in NatRecordEmulation.Records(owner, path))
            sb.AppendLine($"{recordOwner} {ttl} IN {recordType} {value}");
        return sb.ToString();
    }
}
