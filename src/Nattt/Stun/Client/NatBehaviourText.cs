using System.Text;
using System.Text.Json;

namespace Nattt.Stun.Client;

/// <summary>Renders a <see cref="NatBehaviourReport"/> for people (plain sentences) and for programs (JSON).</summary>
public static class NatBehaviourText
{
    public static string Name(NatBehaviour b) => b switch
    {
        NatBehaviour.NoNat => "no-nat",
        NatBehaviour.EndpointIndependent => "endpoint-independent",
        NatBehaviour.AddressDependent => "address-dependent",
        NatBehaviour.AddressAndPortDependent => "address-and-port-dependent",
        _ => "unknown",
    };

    private static string ExplainMapping(NatBehaviour b) => b switch
    {
        NatBehaviour.NoNat => "no NAT: your address is seen as it is.",
        NatBehaviour.EndpointIndependent =>
            "one socket keeps the same public address and port whatever it talks to. Peers can reach you at the address a STUN server sees (good for peer-to-peer).",
        NatBehaviour.AddressDependent =>
            "the public port changes with the destination's IP address. The address a STUN server sees is only valid for that server's IP.",
        NatBehaviour.AddressAndPortDependent =>
            "a symmetric NAT: every new destination address or port gets a new public port. The address a STUN server sees is useless to peers; direct connections usually need a relay (TURN).",
        _ => "could not be determined.",
    };

    private static string ExplainFiltering(NatBehaviour b) => b switch
    {
        NatBehaviour.NoNat or NatBehaviour.EndpointIndependent =>
            "once you have sent a packet out, anyone can send back to that public address and port (full cone).",
        NatBehaviour.AddressDependent =>
            "only IP addresses you have sent to can send back (from any of their ports).",
        NatBehaviour.AddressAndPortDependent =>
            "only the exact address and port you have sent to can send back. Both sides must send first (hole punching).",
        _ => "could not be determined.",
    };

    public static string ToText(NatBehaviourReport r)
    {
        var s = new StringBuilder();
        s.AppendLine($"STUN server:      {r.Server}{(r.ServerSoftware is null ? "" : $" ({r.ServerSoftware})")}");
        if (r.Error is not null)
        {
            s.AppendLine($"Error:            {r.Error}");
            return s.ToString();
        }
        s.AppendLine($"Local address:    {r.LocalEndPoint}");
        s.AppendLine($"Mapped address:   {r.MappedAddress}{(r.BehindNat == true ? "  (you are behind a NAT)" : "  (same as local: no NAT)")}");
        if (r.ServerSupportsRfc5780)
        {
            s.AppendLine($"NAT mapping:      {Name(r.Mapping)}: {ExplainMapping(r.Mapping)}");
            s.AppendLine($"NAT filtering:    {Name(r.Filtering)}: {ExplainFiltering(r.Filtering)}");
        }
        if (r.Hairpinning is { } hp)
            s.AppendLine(hp
                ? "Hairpinning:      yes: two hosts behind this NAT can reach each other at their public addresses."
                : "Hairpinning:      no: hosts behind this NAT cannot reach each other at their public addresses (use their local addresses).");
        if (r.BindingLifetimeMeasured)
        {
            string lifetime = (r.BindingLifetimeAtLeast, r.BindingLifetimeAtMost) switch
            {
                (null, { } most) => $"under {most.TotalSeconds:0} s",
                ({ } least, null) => $"at least {least.TotalSeconds:0} s (none expired within the probed range)",
                ({ } least, { } most) => $"between {least.TotalSeconds:0} s and {most.TotalSeconds:0} s",
                _ => "unknown",
            };
            s.AppendLine($"Binding lifetime: {lifetime}: an idle mapping is forgotten after that; keepalives must be more frequent.");
        }
        foreach (var note in r.Notes) s.AppendLine($"Note:             {note}");
        return s.ToString();
    }

    public static string ToJson(NatBehaviourReport r)
    {
        using var stream = new MemoryStream();
        using (var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartObject();
            j.WriteString("server", r.Server.ToString());
            if (r.ServerSoftware is not null) j.WriteString("serverSoftware", r.ServerSoftware);
            if (r.Error is not null) j.WriteString("error", r.Error);
            WriteOrNull(j, "localAddress", r.LocalEndPoint?.ToString());
            WriteOrNull(j, "mappedAddress", r.MappedAddress?.ToString());
            if (r.BehindNat is { } nat) j.WriteBoolean("behindNat", nat); else j.WriteNull("behindNat");
            j.WriteBoolean("rfc5780", r.ServerSupportsRfc5780);
            WriteOrNull(j, "otherAddress", r.OtherAddress?.ToString());
            j.WriteString("mapping", Name(r.Mapping));
            j.WriteString("filtering", Name(r.Filtering));
            if (r.Hairpinning is { } hp) j.WriteBoolean("hairpinning", hp); else j.WriteNull("hairpinning");
            j.WriteStartObject("bindingLifetime");
            j.WriteBoolean("measured", r.BindingLifetimeMeasured);
            if (r.BindingLifetimeAtLeast is { } least) j.WriteNumber("atLeastSeconds", least.TotalSeconds); else j.WriteNull("atLeastSeconds");
            if (r.BindingLifetimeAtMost is { } most) j.WriteNumber("atMostSeconds", most.TotalSeconds); else j.WriteNull("atMostSeconds");
            j.WriteEndObject();
            j.WriteStartArray("notes");
            foreach (var note in r.Notes) j.WriteStringValue(note);
            j.WriteEndArray();
            j.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteOrNull(Utf8JsonWriter j, string name, string? value)
    {
        if (value is null) j.WriteNull(name); else j.WriteString(name, value);
    }
}
