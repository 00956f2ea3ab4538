using System.Net;
using System.Threading.Channels;
using Nattt.Stun.Client;
using Nattt.Stun.Server;

namespace Nattt.Tests.Stun.Client;

/// <summary>
/// An in-memory network for the STUN client: client sockets on 10.0.0.2 behind one NAT (public 198.51.100.1) with
/// RFC 4787 mapping and filtering behaviours chosen by the test, and a real <see cref="StunServerEngine"/> on
/// 203.0.113.1 / 203.0.113.2. Packets are delivered synchronously in the sender's call.
/// Thread-safe: <c>_lock</c> guards the NAT table and the socket list.
/// </summary>
internal sealed class VirtualNatNetwork : IStunTransportFactory
{
    public static readonly IPAddress Private = IPAddress.Parse("10.0.0.2");
    public static readonly IPAddress Public = IPAddress.Parse("198.51.100.1");
    public static readonly IPEndPoint ServerPrimary = IPEndPoint.Parse("203.0.113.1:3478");

    private readonly object _lock = new();
    private readonly NatBehaviour _mapping;
    private readonly NatBehaviour _filtering;
    private readonly bool _hairpinning;
    private readonly StunServerEngine _server;
    private readonly Dictionary<int, VirtualSocket> _sockets = [];
    private readonly List<Mapping> _mappings = [];
    private int _nextPrivatePort = 40000, _nextPublicPort = 50000;

    private sealed record Mapping(int PrivatePort, int PublicPort, IPEndPoint MappedFor, HashSet<IPEndPoint> SentTo);

    public VirtualNatNetwork(NatBehaviour mapping, NatBehaviour filtering, bool hairpinning = false, bool rfc5780 = true,
        StunServerOptions? serverOptions = null)
    {
        _mapping = mapping;
        _filtering = filtering;
        _hairpinning = hairpinning;
        _server = new StunServerEngine(new StunServerAddresses(ServerPrimary, rfc5780 ? IPAddress.Parse("203.0.113.2") : null), serverOptions);
    }

    public StunServerEngine Server => _server;

    public IStunDatagramTransport Create(IPEndPoint server)
    {
        lock (_lock)
        {
            var socket = new VirtualSocket(this, new IPEndPoint(Private, _nextPrivatePort++));
            _sockets[socket.LocalEndPoint.Port] = socket;
            return socket;
        }
    }

    public IPAddress LocalAddressToward(IPEndPoint server) => Private;

    /// <summary>A client socket sends: NAT outbound, then the server or a hairpin.</summary>
    private void Send(VirtualSocket from, byte[] datagram, IPEndPoint destination)
    {
        IPEndPoint publicSource;
        lock (_lock)
        {
            var mapping = _mappings.FirstOrDefault(m => m.PrivatePort == from.LocalEndPoint.Port && Reuses(m.MappedFor, destination));
            if (mapping is null)
            {
                int port = _mapping == NatBehaviour.NoNat ? from.LocalEndPoint.Port : _nextPublicPort++;
                mapping = new Mapping(from.LocalEndPoint.Port, port, destination, []);
                _mappings.Add(mapping);
            }
            mapping.SentTo.Add(destination);
            publicSource = new IPEndPoint(_mapping == NatBehaviour.NoNat ? Private : Public, mapping.PublicPort);
        }
        if (destination.Address.Equals(Public))
        {
            if (_hairpinning) DeliverInbound(datagram, publicSource, destination.Port);
            return;
        }
        var response = new byte[1500];
        var id = EndpointId(destination);
        if (id is null) return;
        var reply = _server.Handle(datagram, publicSource, id.Value, StunTransport.Udp, response);
        if (reply.IsDrop) return;
        var source = _server.Addresses[reply.SendFrom];
        if (reply.SendTo!.Address.Equals(Public) || reply.SendTo.Address.Equals(Private))
            DeliverInbound(response[..reply.Length], source, reply.SendTo.Port);
    }

    private bool Reuses(IPEndPoint mappedFor, IPEndPoint destination) => _mapping switch
    {
        NatBehaviour.AddressDependent => mappedFor.Address.Equals(destination.Address),
        NatBehaviour.AddressAndPortDependent => mappedFor.Equals(destination),
        _ => true,
    };

    /// <summary>A packet from <paramref name="source"/> to the NAT's public port: filtering, then the socket.</summary>
    private void DeliverInbound(byte[] datagram, IPEndPoint source, int publicPort)
    {
        VirtualSocket? target;
        lock (_lock)
        {
            var mapping = _mappings.FirstOrDefault(m => m.PublicPort == publicPort);
            if (mapping is null) return;
            bool allowed = _filtering switch
            {
                NatBehaviour.AddressDependent => mapping.SentTo.Any(d => d.Address.Equals(source.Address)),
                NatBehaviour.AddressAndPortDependent => mapping.SentTo.Contains(source),
                _ => true,
            };
            if (!allowed) return;
            _sockets.TryGetValue(mapping.PrivatePort, out target);
        }
        target?.Inbox.Writer.TryWrite((datagram, source));
    }

    private StunServerEndpointId? EndpointId(IPEndPoint destination)
    {
        foreach (var id in _server.Addresses.Endpoints)
            if (_server.Addresses[id].Equals(destination)) return id;
        return null;
    }

    private void Close(VirtualSocket socket)
    {
        lock (_lock) _sockets.Remove(socket.LocalEndPoint.Port);
    }

    private sealed class VirtualSocket(VirtualNatNetwork network, IPEndPoint local) : IStunDatagramTransport
    {
        public Channel<(byte[] Data, IPEndPoint From)> Inbox { get; } = Channel.CreateUnbounded<(byte[], IPEndPoint)>();
        public IPEndPoint LocalEndPoint => local;

        public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, IPEndPoint destination, CancellationToken cancellationToken)
        {
            network.Send(this, datagram.ToArray(), destination);
            return ValueTask.CompletedTask;
        }

        public async ValueTask<(int Length, IPEndPoint Remote)> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var (data, from) = await Inbox.Reader.ReadAsync(cancellationToken);
            data.CopyTo(buffer);
            return (data.Length, from);
        }

        public void Dispose() => network.Close(this);
    }
}
