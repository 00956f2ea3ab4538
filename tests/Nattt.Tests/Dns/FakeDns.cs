using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Nattt.Dns;
using Nattt.Dns.Proxy;
using Nattt.Dns.Wire;
using Nattt.Tunnel;

namespace Nattt.Tests.Dns;

/// <summary>An in-memory authoritative zone behind <see cref="IDnsUpstream"/>: answers from its records, NXDOMAIN for
/// names it does not have, NODATA (with the SOA) for types a name lacks, CNAMEs followed within the zone.</summary>
internal sealed class FakeZoneUpstream : IDnsUpstream
{
    private readonly List<(byte[] Name, ushort Type, uint Ttl, byte[] Rdata)> _records = [];
    private readonly object _lock = new(); // guards Queries
    public uint SoaTtl { get; set; } = 3600;
    public uint SoaMinimum { get; set; } = 600;
    public bool Fail { get; set; }
    public List<(string Name, ushort Type, DnsTransport Transport)> Queries { get; } = [];
    public List<byte[]> LastAnswers { get; } = [];
    public static readonly byte[] Apex = DnsName.ParseText("example.test");

    public FakeZoneUpstream Add(string name, ushort type, uint ttl, byte[] rdata)
    {
        _records.Add((DnsName.ParseText(name), type, ttl, rdata));
        return this;
    }

    public FakeZoneUpstream A(string name, string address, uint ttl = 300) => Add(name, (ushort)(IPAddress.Parse(address).AddressFamily == AddressFamily.InterNetwork ? DnsType.A : DnsType.AAAA), ttl, IPAddress.Parse(address).GetAddressBytes());
    public FakeZoneUpstream Cname(string name, string target, uint ttl = 300) => Add(name, (ushort)DnsType.CNAME, ttl, DnsName.ParseText(target));
    public FakeZoneUpstream Nat(string name, TunnelPath path, uint ttl = 300) => Add(name, NatRecord.DefaultType, ttl, NatRecord.ToRdata(path));

    public int QueryCount { get { lock (_lock) return Queries.Count; } }

    public ValueTask<DnsUpstreamAnswer> QueryAsync(ReadOnlyMemory<byte> query, DnsTransport transport, bool tcpFallback, CancellationToken cancellationToken)
    {
        var reader = new DnsMessageReader(query.Span);
        if (reader.Header.Opcode != 0)
        {
            lock (_lock) Queries.Add(("", 0, transport));
            var notImp = ArrayPool<byte>.Shared.Rent(12);
            new DnsHeader(reader.Header.Id, (ushort)(DnsHeader.QrBit | (int)DnsResponseCode.NotImp), 0, 0, 0, 0).TryWrite(notImp);
            return ValueTask.FromResult(new DnsUpstreamAnswer(notImp, 12));
        }
        Assert.True(reader.TryReadQuestion(out var q), "the proxy sent a malformed query");
        Span<byte> nameBuffer = stackalloc byte[255];
        DnsName.TryRead(query.Span, q.NameOffset, nameBuffer, out var n, out _, out _);
        var name = nameBuffer[..n].ToArray();
        lock (_lock) Queries.Add((DnsName.ToText(name), q.Type, transport));
        if (Fail) return ValueTask.FromResult(new DnsUpstreamAnswer(DnsUpstreamFailure.Timeout));
        var buffer = ArrayPool<byte>.Shared.Rent(65535);
        var w = new DnsMessageWriter(buffer, stackalloc ushort[64]);
        w.TryWriteQuestion(name, q.Type, q.Class);
        var current = name;
        var exists = false;
        for (var hops = 0; hops < 8; hops++)
        {
            var atName = _records.Where(r => DnsName.WireEquals(r.Name, current)).ToList();
            exists |= atName.Count > 0;
            var cname = atName.FirstOrDefault(r => r.Type == (ushort)DnsType.CNAME && q.Type != (ushort)DnsType.CNAME);
            if (cname.Name is not null)
            {
                w.TryWriteNameRecord(1, cname.Name, DnsType.CNAME, cname.Ttl, cname.Rdata);
                current = cname.Rdata;
                exists = false;
                continue;
            }
            foreach (var r in atName.Where(r => r.Type == q.Type)) w.TryWriteRecord(1, r.Name, r.Type, 1, r.Ttl, r.Rdata);
            break;
        }
        // Empty non-terminals exist too (RFC 8020): a name with records below it.
        exists |= _records.Any(r => r.Name.Length > current.Length && DnsName.WireEquals(r.Name.AsSpan(r.Name.Length - current.Length), current));
        var answered = _records.Any(r => DnsName.WireEquals(r.Name, current) && r.Type == q.Type);
        if (!answered)
        {
            var soa = new List<byte>();
            soa.AddRange(DnsName.ParseText("ns.example.test"));
            soa.AddRange(DnsName.ParseText("hostmaster.example.test"));
            var fixedPart = new byte[20];
            BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(16), SoaMinimum);
            soa.AddRange(fixedPart);
            w.TryWriteRecord(2, Apex, (ushort)DnsType.SOA, 1, SoaTtl, soa.ToArray());
        }
        var rcode = answered || exists ? DnsResponseCode.NoError : DnsResponseCode.NXDomain;
        var length = w.Finish(DnsHeader.ReadId(query.Span), (ushort)(DnsHeader.QrBit | DnsHeader.AaBit | DnsHeader.RdBit | DnsHeader.RaBit | (int)rcode));
        lock (_lock) LastAnswers.Add(buffer[..length]);
        return ValueTask.FromResult(new DnsUpstreamAnswer(buffer, length));
    }
}

/// <summary>A stand-in table that records the calls: 198.18.0.N for IPv4, nothing for IPv6, a configurable size.</summary>
internal sealed class FakeStandInMappings : IStandInMappings
{
    private readonly Dictionary<TunnelPath, IPAddress> _byPath = [];
    private readonly Dictionary<IPAddress, string> _names = [];
    public List<(TunnelPath Path, string Name, AddressFamily Family, TimeSpan ValidFor)> Calls { get; } = [];
    public int Capacity { get; set; } = 100;
    public IPAddress? IPv6StandIn { get; set; }

    public IPAddress? MapOrRefresh(TunnelPath path, string name, AddressFamily family, TimeSpan validFor)
    {
        lock (Calls)
        {
            Calls.Add((path, name, family, validFor));
            if (family == AddressFamily.InterNetworkV6) return IPv6StandIn;
            if (_byPath.TryGetValue(path, out var existing)) return existing;
            if (_byPath.Count >= Capacity) return null;
            var standIn = IPAddress.Parse($"198.18.0.{_byPath.Count + 2}");
            _byPath[path] = standIn;
            _names[standIn] = name;
            return standIn;
        }
    }

    public bool TryGetName(IPAddress standIn, out string name)
    {
        lock (Calls) return _names.TryGetValue(standIn, out name!);
    }
}
