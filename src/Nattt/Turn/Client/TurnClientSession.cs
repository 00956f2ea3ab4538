using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Nattt.Stun.Wire;

namespace Nattt.Turn.Client;

/// <summary>What a response meant to the client.</summary>
public enum TurnResponseKind : byte
{
    /// <summary>Not a response to a request of ours (or a forged one): ignore it.</summary>
    Unrelated,
    Success,
    /// <summary>401 with a realm and nonce on the first try, or 438: send the same request again (new nonce).</summary>
    Retry,
    /// <summary>An error response: see <see cref="TurnResponse.ErrorCode"/>.</summary>
    Error,
}

/// <summary>The parts of a TURN response a client uses.</summary>
public sealed record TurnResponse(TurnResponseKind Kind, StunMethod Method, int ErrorCode = 0, string Reason = "",
    IPEndPoint? Relayed = null, IPEndPoint? Mapped = null, uint Lifetime = 0);

/// <summary>
/// The client side of TURN (RFC 8656) as a sans-I/O session: it writes requests, indications and ChannelData into
/// caller buffers and reads the server's answers, keeping the realm, nonce and key of long-term credentials
/// (RFC 8489 section 9.2) and the channel bindings. A host (<see cref="TurnClient"/>) adds sockets, retransmission
/// and timers. Not thread-safe: one caller at a time.
/// </summary>
public sealed class TurnClientSession(string? username, string? password)
{
    private readonly Dictionary<UInt128, StunMethod> _pending = [];
    private readonly Dictionary<ushort, IPEndPoint> _channels = [];
    private string? _realm;
    private string? _nonce;
    private byte[]? _key;
    private int _unauthorizedInARow;

    private static readonly TurnResponse Unrelated = new(TurnResponseKind.Unrelated, 0);

    public string? Realm => _realm;
    public IPEndPoint? Relayed { get; private set; }
    public IPEndPoint? Mapped { get; private set; }

    public int WriteAllocate(Span<byte> destination, StunAddressFamily? family = null, uint? lifetime = null, bool dontFragment = false) =>
        WriteRequest(destination, StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            RequestedTransportAttribute.TryWrite(ref w, RequestedTransportAttribute.Udp);
            if (family is { } f) RequestedAddressFamilyAttribute.TryWrite(ref w, f);
            if (lifetime is { } l) LifetimeAttribute.TryWrite(ref w, l);
            if (dontFragment) DontFragmentAttribute.TryWrite(ref w);
        });

    public int WriteRefresh(Span<byte> destination, uint lifetime) =>
        WriteRequest(destination, StunMethod.Refresh, (ref StunMessageWriter w) => LifetimeAttribute.TryWrite(ref w, lifetime));

    public int WriteCreatePermission(Span<byte> destination, params IPEndPoint[] peers) =>
        WriteRequest(destination, StunMethod.CreatePermission, (ref StunMessageWriter w) =>
        {
            foreach (var peer in peers) XorPeerAddressAttribute.TryWrite(ref w, peer);
        });

    public int WriteChannelBind(Span<byte> destination, ushort channel, IPEndPoint peer)
    {
        _channels[channel] = peer;
        return WriteRequest(destination, StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            ChannelNumberAttribute.TryWrite(ref w, channel);
            XorPeerAddressAttribute.TryWrite(ref w, peer);
        });
    }

    /// <summary>A Send indication carrying <paramref name="data"/> to <paramref name="peer"/>.</summary>
    public static int WriteSend(Span<byte> destination, IPEndPoint peer, ReadOnlySpan<byte> data)
    {
        var writer = new StunMessageWriter(destination, new StunMessageType(StunMethod.Send, StunClass.Indication), RandomNumberGenerator.GetBytes(12));
        XorPeerAddressAttribute.TryWrite(ref writer, peer);
        DataAttribute.TryWrite(ref writer, data);
        return writer.HasOverflowed ? 0 : writer.BytesWritten;
    }

    /// <summary>ChannelData (padded for TCP and TLS).</summary>
    public static int WriteChannelData(Span<byte> destination, ushort channel, ReadOnlySpan<byte> data, bool stream) =>
        ChannelDataMessage.TryWrite(destination, channel, data, stream);

    private delegate void AttributeWriter(ref StunMessageWriter writer);

    private int WriteRequest(Span<byte> destination, StunMethod method, AttributeWriter attributes)
    {
        var id = RandomNumberGenerator.GetBytes(StunConstants.TransactionIdLength);
        var writer = new StunMessageWriter(destination, new StunMessageType(method, StunClass.Request), id);
        attributes(ref writer);
        if (_key is not null && username is not null)
        {
            UsernameAttribute.TryWrite(ref writer, username);
            RealmAttribute.TryWrite(ref writer, _realm!);
            NonceAttribute.TryWrite(ref writer, _nonce!);
            writer.TryWriteMessageIntegrity(_key);
        }
        writer.TryWriteFingerprint();
        if (writer.HasOverflowed) return 0;
        _pending[Id(id)] = method;
        return writer.BytesWritten;
    }

    private static UInt128 Id(ReadOnlySpan<byte> transactionId) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(transactionId), BinaryPrimitives.ReadUInt64BigEndian(transactionId[4..]));

    /// <summary>Reads a response to one of our requests.</summary>
    public TurnResponse HandleResponse(ReadOnlySpan<byte> packet)
    {
        // Anything else on the socket (ChannelData, noise, a forged or late answer) is unrelated, never an error.
        if (StunMessageReader.TryParse(packet, out var message) != StunError.None || message.IsRfc3489 ||
            message.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse) ||
            !_pending.TryGetValue(Id(message.TransactionId), out var method) || method != message.Method)
            return Unrelated;
        // A response that claims integrity must verify with our key; one that does not is a forgery.
        if (message.HasMessageIntegrity && _key is not null && !message.VerifyMessageIntegrity(_key))
            return new TurnResponse(TurnResponseKind.Unrelated, method);
        _pending.Remove(Id(message.TransactionId));
        if (message.Class == StunClass.SuccessResponse)
        {
            _unauthorizedInARow = 0;
            XorRelayedAddressAttribute.Read(message, out var relayed);
            XorMappedAddressAttribute.Read(message, out var mapped);
            LifetimeAttribute.Read(message, out uint lifetime);
            if (method == StunMethod.Allocate) { Relayed = relayed; Mapped = mapped; }
            return new TurnResponse(TurnResponseKind.Success, method, Relayed: relayed, Mapped: mapped, Lifetime: lifetime);
        }
        ErrorCodeAttribute.Read(message, out int code, out var reasonUtf8);
        string reason = Encoding.UTF8.GetString(reasonUtf8);
        if (code is 401 or 438 && username is not null && password is not null &&
            RealmAttribute.Read(message, out var realm) == StunError.None && NonceAttribute.Read(message, out var nonce) == StunError.None)
        {
            _nonce = Encoding.UTF8.GetString(nonce);
            string newRealm = Encoding.UTF8.GetString(realm);
            if (_key is null || newRealm != _realm)
            {
                _realm = newRealm;
                _key = StunCredentials.LongTermKey(username, _realm, password);
            }
            // 438 always deserves a retry; 401 only once after a key change (twice in a row means a wrong password).
            if (code == 438 || ++_unauthorizedInARow == 1) return new TurnResponse(TurnResponseKind.Retry, method, code, reason);
        }
        return new TurnResponse(TurnResponseKind.Error, method, code, reason);
    }

    /// <summary>Reads relayed data: a Data indication or ChannelData on a channel we bound.</summary>
    public bool TryReadData(ReadOnlySpan<byte> packet, out IPEndPoint? peer, out ReadOnlySpan<byte> data)
    {
        peer = null;
        data = default;
        switch (StunFraming.Classify(packet))
        {
            case StunPacketKind.ChannelData:
                if (ChannelDataMessage.TryRead(packet, out ushort channel, out data) != StunError.None) return false;
                return _channels.TryGetValue(channel, out peer);
            case StunPacketKind.Stun:
                if (StunMessageReader.TryParse(packet, out var message) != StunError.None ||
                    message.Type != new StunMessageType(StunMethod.Data, StunClass.Indication)) return false;
                return XorPeerAddressAttribute.Read(message, out peer) == StunError.None && message.TryGetAttribute(StunAttributeType.Data, out data);
            default:
                return false;
        }
    }
}
