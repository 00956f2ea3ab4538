using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nattt.Stun.Wire;
using Nattt.Turn.Auth;
using Nattt.Turn.Config;
using Nattt.Turn.Policy;

namespace Nattt.Turn.Server;

/// <summary>
/// The TURN server (RFC 8656, RFC 6156) as a sans-I/O engine: packets from clients and from peers go in, packets to
/// clients and peers come out through <see cref="ITurnServerIo"/>, and <see cref="Tick"/> expires allocations,
/// permissions and channels and says when it next needs to run. The clock is the injected <see cref="TimeProvider"/>.
/// <para>
/// Not thread-safe: the host runs every call on one serial loop (or under one lock), which is what lets the
/// allocation table, the quotas and the counters go without locks of their own.
/// </para>
/// Files: this one holds the table and dispatch; .Auth (long-term credentials), .Allocate (Allocate, Refresh),
/// .Permissions (CreatePermission, ChannelBind), .Data (Send/Data indications, ChannelData), .Responses.
/// </summary>
public sealed partial class TurnServerEngine
{
    /// <summary>Bytes a host must leave free in front of peer data (a Data indication header with an IPv6
    /// XOR-PEER-ADDRESS: 20 + 24 + 4) and <see cref="PeerTailroom"/> after it (padding).</summary>
    public const int PeerHeadroom = 48;
    public const int PeerTailroom = 4;
    /// <summary>RFC 8656 section 7.2: an allocation lives 10 minutes unless the client asks for more.</summary>
    public const int DefaultLifetimeSeconds = 600;

    private readonly TurnServerOptions _options;
    private readonly ITurnCredentialStore _credentials;
    private readonly TurnPeerPolicy _policy;
    private readonly ITurnServerIo _io;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TurnNonces _nonces;
    private readonly Dictionary<TurnClientKey, TurnAllocation> _allocations = [];
    private readonly Dictionary<string, int> _allocationsPerUser = new(StringComparer.Ordinal);
    private readonly TokenBucket _capacity;
    private readonly byte[] _scratch = new byte[StunConstants.MaxMessageLength + 64];
    private readonly List<byte[]> _candidateKeys = [];
    private readonly LogLimiter _logLimiter;

    public TurnServerEngine(TurnServerOptions options, ITurnCredentialStore credentials, TurnPeerPolicy policy,
        ITurnServerIo io, TimeProvider time, ILogger logger)
    {
        _options = options;
        _credentials = credentials;
        _policy = policy;
        _io = io;
        _time = time;
        _logger = logger;
        _nonces = new TurnNonces(TimeSpan.FromSeconds(options.StaleNonceSeconds));
        _capacity = new TokenBucket(options.BpsCapacity, time.GetTimestamp(), time.TimestampFrequency);
        _logLimiter = new LogLimiter(time);
    }

    public TurnServerCounters Counters { get; } = new();
    public int AllocationCount => _allocations.Count;
    public IReadOnlyCollection<TurnAllocation> Allocations => _allocations.Values;
    public TurnNonces Nonces => _nonces;

    /// <summary>The allocation of a 5-tuple, if any.</summary>
    public TurnAllocation? Find(in TurnClientKey client) => _allocations.GetValueOrDefault(client);

    /// <summary>A packet from a client: a STUN message or ChannelData (one datagram or one stream frame).</summary>
    public void OnClientPacket(in TurnClientKey client, ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty) { Counters.Drop(TurnDropReason.Malformed); return; }
        if (packet[0] <= 3) OnStunMessage(client, packet);
        else if (IsChannelDataLead(packet[0])) OnChannelData(client, packet);
        else Counters.Drop(TurnDropReason.Malformed);
    }

    /// <summary>True if a first byte starts ChannelData: 0x40-0x4F (RFC 8656), or 0x40-0x7F with the RFC 5766 range.</summary>
    public bool IsChannelDataLead(byte first) => first >= 0x40 && first <= (_options.Rfc5766ChannelRange ? 0x7F : 0x4F);

    private bool IsValidChannel(ushort number) => number >= 0x4000 && number <= (_options.Rfc5766ChannelRange ? 0x7FFF : 0x4FFF);

    /// <summary>A TCP or TLS client connection closed: its allocation ends with it (RFC 8656 section 3.1).</summary>
    public void OnClientClosed(in TurnClientKey client)
    {
        if (_allocations.TryGetValue(client, out var allocation)) Delete(allocation, expired: false);
    }

    /// <summary>Expires allocations, permissions and channel bindings; returns when it next needs to run.</summary>
    public DateTimeOffset Tick()
    {
        var now = _time.GetUtcNow();
        var next = now.AddSeconds(60);
        foreach (var allocation in _allocations.Values)
        {
            if (allocation.Expires <= now)
            {
                Delete(allocation, expired: true); // removing while enumerating is allowed by Dictionary
                continue;
            }
            if (allocation.Expires < next) next = allocation.Expires;
            foreach (var (peer, expires) in allocation.Permissions)
            {
                if (expires <= now) allocation.Permissions.Remove(peer);
                else if (expires < next) next = expires;
            }
            foreach (var (number, channel) in allocation.ChannelsByNumber)
            {
                if (channel.Expires <= now)
                {
                    allocation.ChannelsByNumber.Remove(number);
                    allocation.ChannelsByPeer.Remove(channel.Peer);
                }
                else if (channel.Expires < next) next = channel.Expires;
            }
        }
        return next;
    }

    private void OnStunMessage(in TurnClientKey client, ReadOnlySpan<byte> packet)
    {
        var error = StunMessageReader.TryParse(packet, out var message, out int offset);
        if (error != StunError.None)
        {
            Counters.Drop(TurnDropReason.Malformed);
            if (_logLimiter.Allow()) TurnServerLog.Malformed(_logger, client.ToString(), error, offset);
            return;
        }
        if (message.IsRfc3489)
        {
            if (message.Type == StunMessageType.BindingRequest) SendBindingSuccess(client, message);
            else Counters.Drop(TurnDropReason.Legacy);
            return;
        }
        switch (message.Class)
        {
            case StunClass.Request:
                OnRequest(client, message);
                break;
            case StunClass.Indication when message.Method == StunMethod.Send:
                OnSendIndication(client, message);
                break;
            case StunClass.Indication when message.Method == StunMethod.Binding:
                break; // keepalive (RFC 8489 section 6.3.2): nothing to do
            default:
                Counters.Drop(TurnDropReason.Unexpected);
                break;
        }
    }

    private void OnRequest(in TurnClientKey client, in StunMessageReader request)
    {
        Counters.Requests++;
        Span<StunAttributeType> unknown = stackalloc StunAttributeType[16];
        int unknownCount = request.GetUnknownComprehensionRequired(unknown);
        if (unknownCount > 0)
        {
            SendError(client, request, 420, "Unknown Attribute", key: null, unknown[..Math.Min(unknownCount, unknown.Length)]);
            return;
        }
        if (request.Method == StunMethod.Binding)
        {
            SendBindingSuccess(client, request);
            return;
        }
        if (request.Method is not (StunMethod.Allocate or StunMethod.Refresh or StunMethod.CreatePermission or StunMethod.ChannelBind))
        {
            SendError(client, request, 400, "Unsupported method", key: null);
            return;
        }
        if (!Authenticate(client, request, out var key, out var username)) return;
        var now = _time.GetUtcNow();
        switch (request.Method)
        {
            case StunMethod.Allocate: OnAllocate(client, request, key, username, now); break;
            case StunMethod.Refresh: OnRefresh(client, request, key, now); break;
            case StunMethod.CreatePermission: OnCreatePermission(client, request, key, now); break;
            case StunMethod.ChannelBind: OnChannelBind(client, request, key, now); break;
        }
    }

    private void Delete(TurnAllocation allocation, bool expired)
    {
        if (!_allocations.Remove(allocation.Client)) return;
        allocation.Closed = true;
        if (_allocationsPerUser.TryGetValue(allocation.Username, out int count))
        {
            if (count <= 1) _allocationsPerUser.Remove(allocation.Username);
            else _allocationsPerUser[allocation.Username] = count - 1;
        }
        if (expired) Counters.AllocationsExpired++;
        else Counters.AllocationsDeleted++;
        _io.CloseRelay(allocation);
        TurnServerLog.AllocationEnded(_logger, allocation.Relayed.ToString(), allocation.Client.ToString(), expired ? "expired" : "deleted");
    }

    private static AddressFamily FamilyOf(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? AddressFamily.InterNetwork : endPoint.Address.AddressFamily;

    /// <summary>Policy check of a peer; counts and logs a refusal.</summary>
    private bool PeerAllowed(in TurnClientKey client, IPAddress peer)
    {
        var denial = _policy.Check(peer);
        if (denial == TurnPeerDenial.None) return true;
        Counters.PeerDenials[(int)denial]++;
        Counters.Drop(TurnDropReason.PeerDenied);
        if (_logLimiter.Allow()) TurnServerLog.PeerDenied(_logger, client.ToString(), peer.ToString(), denial);
        return false;
    }
}
