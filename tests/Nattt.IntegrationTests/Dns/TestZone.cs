namespace Nattt.IntegrationTests.Dns;

/// <summary>The zone the DNS scenarios serve: NAT RRs in RFC 3597 generic form (printed by `nattt dns record`), the
/// A-record emulation names, ordinary names, an unknown type, and a TXT too big for 512-octet UDP.</summary>
public static class TestZone
{
    public const string Name = "example.test";

    public static string Text(string serverAddress)
    {
        var bigTxt = string.Join(" ", Enumerable.Range(0, 12).Select(i => $"\"{new string((char)('a' + i), 60)}\""));
        return $$"""
            $TTL 300
            @        IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 120
            @        IN NS  ns.example.test.
            ns       IN A   {{serverAddress}}
            www      IN A   192.0.2.80
            www      IN AAAA 2001:db8::80
            ; one hop, the NAT3D prototype's 10-octet form: 198.51.100.7:8080 > 172.20.0.20
            b        IN TYPE65324 \# 10 c6336407 1f90 ac140014
            ; two hops, extended form: 203.0.113.1:100 > 10.0.0.2:4000 > 10.1.0.5
            n2       60 IN TYPE65324 \# 21 01 02 01 cb007101 0064 01 0a000002 0fa0 01 0a010005
            ; a malformed NAT RR (version 9): ignored and counted
            bad      IN TYPE65324 \# 14 09 01 01 cb007101 0064 01 0a010005
            ; A-record emulation of 203.0.113.9:5000 > 10.9.0.9
            nattt-dest.e  IN A 10.9.0.9
            nattt-hop1.e  IN A 203.0.113.9
            nattt-port1.e 30 IN A 127.0.19.136
            alias    IN CNAME b
            opaque   IN TYPE65000 \# 4 deadbeef
            big      IN TXT {{bigTxt}}
            """ + "\n";
    }
}
